import ExamHallMessaging
import ExamHallModels
import Foundation

/// Publishes events as an outside party (the payment system by default), with publisher confirms.
public final class TestPublisher: @unchecked Sendable {
    private let connection: AMQPConnection

    public init(as user: String = "payment-system") throws {
        connection = try AMQPConnection.open(try TestStack.amqp(user))
        try connection.enableConfirms()
    }

    deinit { connection.close() }

    /// Publishes an event envelope; returns its message id.
    @discardableResult
    public func publish<P: EventPayload>(
        _ payload: P, id: String = UUID().uuidString.lowercased(), correlationId: String? = nil, exchange: Exchange = .inbound
    ) throws -> String {
        let event = CloudEvent(id: id, source: "payment-system", time: .now, correlationid: correlationId, data: payload)
        try publishRaw(try event.encoded(), routingKey: P.type.rawValue, messageId: id, exchange: exchange)
        return id
    }

    /// Publishes any bytes, for malformed-input tests; confirm with `confirm()`.
    public func publishRaw(_ body: [UInt8], routingKey: String, messageId: String?, exchange: Exchange = .inbound) throws {
        try connection.publish(OutgoingMessage(
            exchange: exchange.rawValue, routingKey: routingKey, body: body,
            properties: MessageProperties(messageId: messageId, type: routingKey)
        ))
    }

    public func confirm() throws {
        try connection.waitForConfirms(timeout: .seconds(30))
    }
}

/// A private queue bound to `examhall.events` (or another exchange), to see what a service published.
public final class EventTap: @unchecked Sendable {
    private let connection: AMQPConnection
    public let queue: String

    /// `asPaymentSystem`: the queue is the payment system's own (`external-system.*`), declared and read
    /// with its user, as a receiver of `examhall.outbound` does it.
    public init(routingKeys: [String], exchange: Exchange = .events, asPaymentSystem: Bool = false) throws {
        // No heartbeats: a tap may sit unread for minutes while a long scenario runs, and the broker
        // would close a connection whose heartbeats nobody answered.
        var endpoint = try TestStack.amqp(asPaymentSystem ? "payment-system" : "admin")
        endpoint.heartbeat = 0
        connection = try AMQPConnection.open(endpoint)
        if asPaymentSystem {
            queue = "external-system.test-\(UUID().uuidString.prefix(8))"
        } else {
            // On a fresh broker no service has declared the shared exchanges yet; declaring them is idempotent.
            for shared in ServiceTopology.exchanges { try connection.declareExchange(shared.name, type: shared.kind) }
            queue = "test.tap.\(UUID().uuidString.prefix(8))"
        }
        try connection.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        for key in routingKeys { try connection.bindQueue(queue, exchange: exchange.rawValue, routingKey: key) }
    }

    deinit { connection.close() }

    /// Every message that arrives until none came for `quiet`, or `timeout` passed.
    public func drain(quiet: Duration = .seconds(3), timeout: Duration = .seconds(120), until done: ([Delivery]) -> Bool = { _ in false }) throws -> [Delivery] {
        var received: [Delivery] = []
        let deadline = ContinuousClock.now + timeout
        var lastArrival = ContinuousClock.now
        while ContinuousClock.now < deadline {
            if let delivery = try connection.get(queue, autoAck: true) {
                received.append(delivery)
                lastArrival = ContinuousClock.now
                continue
            }
            if done(received) || ContinuousClock.now - lastArrival > quiet { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return received
    }
}

/// Reads a service's dead-letter queue as an operator would.
public enum DeadLetters {
    /// How many dead letters `service` has, leaving them in place.
    public static func count(_ service: String) throws -> Int {
        try TestStack.queueDepth("\(service).dead")
    }

    /// Removes and returns every dead letter of `service`.
    public static func take(_ service: String) throws -> [Delivery] {
        let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { connection.close() }
        var letters: [Delivery] = []
        while let delivery = try connection.get("\(service).dead", autoAck: true) { letters.append(delivery) }
        return letters
    }
}

/// Polls until `condition` holds or `timeout` passes; returns the last value seen.
public func eventually<T>(timeout: Duration = .seconds(120), every interval: Duration = .milliseconds(250), _ probe: () async throws -> T, until condition: (T) -> Bool) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var value = try await probe()
    while !condition(value), ContinuousClock.now < deadline {
        try await Task.sleep(for: interval)
        value = try await probe()
    }
    return value
}
