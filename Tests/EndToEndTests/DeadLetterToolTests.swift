import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The operator's path through dead letters with the real CLI, broker, database and service.
@Suite(.serialized) struct DeadLetterToolTests {
    init() throws { try TestStack.require() }

    /// Runs `examhall ARGS` as the admin; returns its exit status and standard output.
    func cli(_ arguments: String..., overriding overrides: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let run = try Program.run(
            ServiceProcess.binaryDirectory.appendingPathComponent("examhall"), arguments,
            environment: try TestStack.environment(for: "admin").merging(overrides) { $1 }, capture: .both
        )
        return (run.status, run.text)
    }

    func deadCount() throws -> Int {
        let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { connection.close() }
        return try connection.declareQueue("authorizations.dead", passive: true).messages
    }

    @Test func anUnreachableBrokerOrDatabaseIsNamed() throws {
        let queues = try cli("queues", overriding: ["EXAMHALL_AMQP_URL": "amqp://examhall-admin:x@127.0.0.1:1/examhall"])
        #expect(queues.status != 0)
        #expect(queues.output.contains("cannot reach RabbitMQ at amqp://examhall-admin:***@127.0.0.1:1/examhall"))
        let outbox = try cli("outbox", overriding: ["EXAMHALL_DATABASE_URL": "postgres://examhall_admin:x@127.0.0.1:1/examhall"])
        #expect(outbox.status != 0)
        #expect(outbox.output.contains("cannot reach PostgreSQL"))
    }

    @Test func listShowReplayAndPurge() async throws {
        let service = ServiceProcess("authorizations", port: 18082)
        try await service.start()
        defer { service.stop() }
        _ = try cli("dead", "purge", "authorizations", "--yes")

        // A malformed purchase, dead-lettered by the service with its reason...
        var malformed = Fixtures.purchase()
        malformed.candidate.email = "not-an-email"
        let publisher = try TestPublisher()
        let malformedId = try publisher.publish(malformed)
        // ...and a valid one that was dead-lettered during an outage now over (as the consumer would write it).
        let stranded = Fixtures.purchase()
        let strandedId = UUID().uuidString.lowercased()
        let admin = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { admin.close() }
        try admin.enableConfirms()
        try admin.publish(OutgoingMessage(
            exchange: Exchange.dead.rawValue, routingKey: "authorizations",
            body: try CloudEvent(id: strandedId, source: "payment-system", time: .now, data: stranded).encoded(),
            properties: MessageProperties(messageId: strandedId, type: "purchase.completed", headers: [
                DeadLetter.reasonHeader: .string("database unavailable past the delivery limit"),
                DeadLetter.originalExchangeHeader: .string(Exchange.inbound.rawValue),
                DeadLetter.originalRoutingKeyHeader: .string("purchase.completed"),
            ])
        ))
        try admin.waitForConfirms(timeout: .seconds(10))
        try publisher.confirm()
        #expect(try await eventually(timeout: .seconds(30), { try deadCount() }, until: { $0 == 2 }) == 2)

        let list = try cli("dead", "list", "authorizations")
        #expect(list.status == 0)
        #expect(list.output.contains("\(malformedId)\tpurchase.completed\tvalidation failed: data.candidate.email: is not a valid email address"))
        #expect(list.output.contains("\(strandedId)\tpurchase.completed\tdatabase unavailable past the delivery limit"))
        #expect(try deadCount() == 2, "listing leaves the letters in place")

        let queues = try cli("queues")
        let line = try #require(queues.output.split(separator: "\n").first { $0.hasPrefix("authorizations") })
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).last == "2", "queues reports the broker's dead-letter depth")

        let show = try cli("dead", "show", "authorizations", malformedId)
        #expect(show.output.contains("reason: validation failed"))
        #expect(show.output.contains("not-an-email"))

        let replay = try cli("dead", "replay", "authorizations", strandedId)
        #expect(replay.status == 0, "\(replay.output)")
        let database = try TestStack.adminDatabase()
        let applied = try await eventually(timeout: .seconds(30), {
            try database.query("SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1", [stranded.purchaseId])[0].decode("n", as: Int.self)
        }, until: { $0 == 1 })
        #expect(applied == 1, "the replayed purchase was processed")
        #expect(try deadCount() == 1, "only the malformed letter is left")

        let unknown = try cli("dead", "replay", "authorizations", "no-such-id")
        #expect(unknown.status != 0)
        #expect(try deadCount() == 1)

        let purge = try cli("dead", "purge", "authorizations", "--yes")
        #expect(purge.output.contains("purged 1 dead letter"))
        #expect(try deadCount() == 0)
    }

    @Test func aLetterTheBrokerDeadLetteredItselfIsReplayedFromItsRecordAndAppliedOnce() async throws {
        _ = try cli("dead", "purge", "authorizations", "--yes")
        try TestStack.purgeQueues(["authorizations.inbox"])
        // No service runs: a consumer that keeps returning the purchase makes the broker dead-letter it at
        // the inbox's delivery limit, with only its own x-death record to say where it came from.
        let purchase = Fixtures.purchase()
        let publisher = try TestPublisher()
        let id = try publisher.publish(purchase)
        try publisher.confirm()
        let admin = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { admin.close() }
        while try deadCount() == 0 {
            if let delivery = try admin.get("authorizations.inbox") { try admin.reject(delivery.deliveryTag, requeue: true) }
        }
        let show = try cli("dead", "show", "authorizations", id)
        #expect(show.output.contains("reason: broker: delivery_limit") && show.output.contains("published on: examhall.inbound purchase.completed"), "\(show.output)")

        let replay = try cli("dead", "replay", "authorizations", "--all")
        #expect(replay.status == 0 && replay.output.contains("replayed 1 dead letter"), "\(replay.output)")
        #expect(try deadCount() == 0)
        let service = ServiceProcess("authorizations", port: 18082)
        try await service.start()
        defer { service.stop() }
        let database = try TestStack.adminDatabase()
        let applied = try await eventually(timeout: .seconds(30), {
            try database.query("SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1", [purchase.purchaseId])[0].decode("n", as: Int.self)
        }, until: { $0 == 1 })
        #expect(applied == 1, "the replayed purchase was applied")
        #expect(try DeadLetters.count("authorizations") == 0, "and not dead-lettered again")
    }

    @Test func deadLettersAreListedAPageAtATime() throws {
        _ = try cli("dead", "purge", "authorizations", "--yes")
        let admin = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { admin.close() }
        try admin.enableConfirms()
        let ids = (0..<25).map { "page-\($0 < 10 ? "0" : "")\($0)-\(UUID().uuidString.prefix(6))" }
        for id in ids {
            try admin.publish(OutgoingMessage(
                exchange: Exchange.dead.rawValue, routingKey: "authorizations", body: Array("{}".utf8),
                properties: MessageProperties(messageId: id, type: "purchase.completed", headers: [DeadLetter.reasonHeader: .string("test letter")])
            ))
        }
        try admin.waitForConfirms(timeout: .seconds(10))
        let first = try cli("dead", "list", "authorizations", "--limit", "10")
        let second = try cli("dead", "list", "authorizations", "--limit", "10", "--offset", "10")
        let last = try cli("dead", "list", "authorizations", "--limit", "10", "--offset", "20")
        func listed(_ output: String) -> [String] { output.split(separator: "\n").filter { $0.contains("\t") }.map { String($0.split(separator: "\t")[0]) } }
        #expect(listed(first.output) == Array(ids[0..<10]) && first.output.contains("(more: --offset 10 of 25)"))
        #expect(listed(second.output) == Array(ids[10..<20]))
        #expect(listed(last.output) == Array(ids[20..<25]) && !last.output.contains("(more"))
        #expect(try deadCount() == 25, "listing leaves every letter in place")
        _ = try cli("dead", "purge", "authorizations", "--yes")
    }
}
