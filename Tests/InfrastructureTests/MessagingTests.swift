import ExamHallMessaging
import ExamHallTestSupport
import Foundation
import ServiceLifecycle
import Logging
import Synchronization
import Testing

/// The consumer and publisher against the real broker, on a throwaway service topology.
@Suite(.serialized) struct MessagingTests {
    let endpoint: AMQPEndpoint
    let topology: ServiceTopology

    init() throws {
        try TestStack.require()
        endpoint = try TestStack.amqp("admin")
        topology = ServiceTopology(
            service: "test-\(UUID().uuidString.prefix(8).lowercased())",
            bindings: [.init(exchange: "examhall.events", routingKey: "messaging.test.\(UUID().uuidString.prefix(8))")],
            deliveryLimit: 3
        )
    }

    /// Records the batches it sees and answers with `decide`.
    final class RecordingHandler: DeliveryBatchHandler {
        let seen = Mutex<[Delivery]>([])
        let decide: @Sendable (Delivery) -> DeliveryDisposition
        init(decide: @escaping @Sendable (Delivery) -> DeliveryDisposition) { self.decide = decide }
        func handle(_ batch: [Delivery]) async -> BatchOutcome {
            seen.withLock { $0 += batch }
            return .settled(batch.map(decide))
        }
    }

    func cleanUp() throws {
        let connection = try AMQPConnection.open(endpoint)
        defer { connection.close() }
        try connection.deleteQueue(topology.inboxQueue)
        try connection.deleteQueue(topology.deadQueue)
    }

    @Test func topologyDeclarationIsIdempotent() throws {
        let connection = try AMQPConnection.open(endpoint)
        defer { connection.close() }
        try topology.declare(on: connection)
        try topology.declare(on: connection)
        let inbox = try connection.declareQueue(topology.inboxQueue, passive: true)
        #expect(inbox.messages == 0)
        try cleanUp()
    }

    @Test func consumerAcksDeadLettersWithReasonAndRequeuesUntilTheLimit() async throws {
        let handler = RecordingHandler { delivery in
            switch delivery.properties.messageId {
            case "bad": .deadLetter(reason: "missing field 'data.purchaseId'")
            case "flaky": .requeue
            default: .ack
            }
        }
        let consumer = AMQPConsumer(endpoint: endpoint, topology: topology, settings: .init(prefetch: 10, batchSize: 5, retryDelay: RetryDelay(base: .milliseconds(50), maximum: .milliseconds(200))), handler: handler, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [consumer], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await eventually(timeout: .seconds(30), { consumer.isConnected }, until: { $0 })

            let publisher = AMQPPublisher(endpoint: endpoint, logger: Logger(label: "test"))
            let ids = ["good-1", "bad", "flaky", "good-2"]
            try await publisher.publish(ids.map { id in
                OutgoingMessage(exchange: "examhall.events", routingKey: topology.bindings[0].routingKey, body: Array("{\"id\":\"\(id)\"}".utf8),
                                properties: MessageProperties(messageId: id, headers: ["x-test": .string("kept")]))
            })
            // "flaky" is requeued until it failed more than the delivery limit (3) allows: 4 deliveries.
            _ = try await eventually(timeout: .seconds(30), { handler.seen.withLock { $0.filter { $0.properties.messageId == "flaky" }.count } }, until: { $0 >= 4 })
            try await Task.sleep(for: .seconds(1))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        let seen = handler.seen.withLock { $0 }
        #expect(seen.filter { $0.properties.messageId == "good-1" }.count == 1)
        #expect(seen.filter { $0.properties.messageId == "good-2" }.count == 1)
        #expect(seen.filter { $0.properties.messageId == "flaky" }.count == topology.deliveryLimit + 1)

        let connection = try AMQPConnection.open(endpoint)
        defer { connection.close() }
        var dead: [Delivery] = []
        while let letter = try connection.get(topology.deadQueue, autoAck: true) { dead.append(letter) }
        let bad = try #require(dead.first { $0.properties.messageId == "bad" })
        #expect(bad.properties.headers[DeadLetter.reasonHeader] == .string("missing field 'data.purchaseId'"))
        #expect(bad.properties.headers[DeadLetter.originalExchangeHeader] == .string("examhall.events"))
        #expect(bad.properties.headers["x-test"] == .string("kept"))
        #expect(bad.body == Array("{\"id\":\"bad\"}".utf8))
        // The broker dead-letters at the limit itself, saying why in x-death / x-first-death-reason.
        let flaky = try #require(dead.first { $0.properties.messageId == "flaky" })
        #expect(flaky.properties.headers["x-first-death-reason"] == .string("delivery_limit"))
        #expect(dead.count == 2)
        #expect(try connection.declareQueue(topology.inboxQueue, passive: true).messages == 0)
        try cleanUp()
    }
}

/// A connection whose channel the broker closed must fail fast, never wait for a reply that cannot come.
@Suite struct BrokenConnectionTests {
    @Test func callsAfterAChannelErrorFailAtOnceWithThatError() throws {
        try TestStack.require()
        let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { connection.close() }
        let missing = "no.such.queue.\(UUID().uuidString.prefix(8))"
        #expect(throws: AMQPError.self) { try connection.declareQueue(missing, passive: true) }
        do {
            try connection.declareQueue(missing, passive: true)
            Issue.record("a closed channel answered")
        } catch {
            guard case let .closedByServer(code, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(code == 404)
        }
    }
}
