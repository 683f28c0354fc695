import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// What the broker does not take stays in the outbox: a message no queue is bound for is returned
/// (mandatory) and kept, a message a full queue refuses is nacked and kept; each is tried again after a
/// back-off, counted in `/metrics`, and the rest of its batch goes on.
@Suite(.serialized) struct OutboxRefusalTests {
    let admin = AdminDatabase()
    let prefix = "refused-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws {
        try TestStack.require()
        try TestStack.purgeQueues(["authorizations.inbox", "authorizations.dead"])
    }

    func row(_ messageId: String) throws -> (sent: Bool, attempts: Int, error: String?) {
        let row = try admin.query("SELECT sent_at IS NOT NULL AS sent, attempts, last_error FROM authorizations.outbox WHERE message_id = $1", [messageId])[0]
        return (try row.decode("sent"), try row.decode("attempts"), try row.decode("last_error"))
    }

    @Test func aMessageNoQueueIsBoundForIsKeptAndSentOnceAQueueIs() async throws {
        // An answer the payment system has bound no queue for: for this test, not even examhall.observed.
        let routingKey = "candidate.rejected"
        let admin = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { admin.close() }
        try admin.unbindQueue(TopologyDefinitions.observedQueue, exchange: "examhall.outbound", routingKey: routingKey)
        defer { try? admin.bindQueue(TopologyDefinitions.observedQueue, exchange: "examhall.outbound", routingKey: routingKey) }
        let service = ServiceProcess("authorizations", port: 18085)
        try await service.start()
        defer { service.stop() }
        let messageId = "\(prefix)-unbound"
        _ = try self.admin.query(
            "INSERT INTO authorizations.outbox (message_id, exchange, routing_key, body) VALUES ($1, 'examhall.outbound', $2, '{}') RETURNING id",
            [messageId, routingKey]
        )
        let held = try await eventually(timeout: .seconds(30), { try row(messageId) }, until: { $0.attempts >= 1 })
        #expect(!held.sent && held.error?.contains("returned by the broker") == true, "kept: \(held)")
        let counted = try await service.metric("examhall_outbox_refused_total{type=\"\(routingKey)\",reason=\"returned\"}")
        #expect((counted ?? 0) >= 1, "counted in /metrics")

        let tap = try EventTap(routingKeys: [routingKey], exchange: .outbound)
        let sent = try await eventually(timeout: .seconds(60), { try row(messageId) }, until: { $0.sent })
        #expect(sent.sent, "sent once a queue is bound")
        let received = try tap.drain(quiet: .seconds(1), timeout: .seconds(10)) { $0.count >= 1 }
        #expect(received.map(\.properties.messageId) == [messageId])
    }

    /// A row the service's broker permissions do not allow (a bug, or a row written by hand) is held
    /// with the broker's reason; it does not stop the rows around it.
    @Test func aMessageTheBrokerForbidsIsHeldAndTheRestOfItsBatchGoesOut() async throws {
        let service = ServiceProcess("authorizations", port: 18085)
        try await service.start()
        defer { service.stop() }
        let tap = try EventTap(routingKeys: ["purchase.accepted"], exchange: .outbound)
        let (forbidden, allowed) = ("\(prefix)-forbidden", "\(prefix)-allowed")
        _ = try admin.query(
            """
            INSERT INTO authorizations.outbox (message_id, exchange, routing_key, body)
            VALUES ($1, 'examhall.outbound', 'result.verified', '{}'), ($2, 'examhall.outbound', 'purchase.accepted', '{}')
            """,
            [forbidden, allowed]
        )
        let sent = try await eventually(timeout: .seconds(30), { try row(allowed) }, until: { $0.sent })
        #expect(sent.sent, "the allowed row went out")
        let held = try await eventually(timeout: .seconds(30), { try row(forbidden) }, until: { $0.attempts >= 1 })
        #expect(!held.sent && held.error?.contains("403 ACCESS_REFUSED") == true, "held with the broker's reason: \(held)")
        let counted = try await service.metric("examhall_outbox_refused_total{type=\"result.verified\",reason=\"forbidden\"}")
        #expect((counted ?? 0) >= 1, "counted in /metrics")
        #expect(try tap.drain(quiet: .seconds(1), timeout: .seconds(10)) { $0.count >= 1 }.map(\.properties.messageId) == [allowed])
        // Never sent: taken out of the outbox so it does not linger in the suite's later runs.
        _ = try admin.query("DELETE FROM authorizations.outbox WHERE message_id = $1 RETURNING id", [forbidden])
    }

    @Test func aFullQueueRefusesOnlyWhatItCannotTakeAndNothingIsLostOnceItDrains() async throws {
        let count = 200
        // A queue that holds 50 and refuses the rest, bound to what the service announces.
        var endpoint = try TestStack.amqp("admin")
        endpoint.heartbeat = 0
        let connection = try AMQPConnection.open(endpoint)
        defer { connection.close() }
        let queue = "test.full.\(prefix)"
        _ = try connection.declareQueue(queue, durable: false, arguments: ["x-max-length": .int(50), "x-overflow": .string("reject-publish")])
        defer { try? connection.deleteQueue(queue) }
        try connection.bindQueue(queue, exchange: "examhall.events", routingKey: "authorization.opened")

        let service = ServiceProcess("authorizations", port: 18085)
        try await service.start()
        defer { service.stop() }
        let publisher = try TestPublisher()
        for index in 0..<count {
            try publisher.publish(Fixtures.purchase("\(prefix)-\(index)", candidate: Fixtures.candidate("cand-\(prefix)-\(index % 20)")))
        }
        try publisher.confirm()

        let refusedMetric = "examhall_outbox_refused_total{type=\"authorization.opened\",reason=\"refused\"}"
        let refused = try await eventually(timeout: .seconds(60), { try await service.metric(refusedMetric) ?? 0 }, until: { $0 >= Double(count - 50) })
        #expect(refused >= Double(count - 50), "each opened event the full queue could not take was refused and counted: \(refused)")
        #expect(try TestStack.queueDepth(queue) == 50)

        // Drained as a slow consumer would: every opened event arrives, and only once (the events the
        // queue took were never sent again).
        var ids: [String] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while ids.count < count, ContinuousClock.now < deadline {
            if let delivery = try connection.get(queue, autoAck: true) {
                ids.append(delivery.properties.messageId ?? "")
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(ids.count == count && Set(ids).count == count, "\(ids.count) received, \(Set(ids).count) distinct")
        // The relay marks a batch sent just after the broker confirmed it, which the drain may beat.
        let unsent = try await eventually(timeout: .seconds(30), {
            try admin.query(
                "SELECT count(*) AS n FROM authorizations.outbox WHERE sent_at IS NULL AND body::jsonb -> 'data' ->> 'purchaseId' LIKE $1", ["\(prefix)-%"]
            )[0].decode("n", as: Int.self)
        }, until: { $0 == 0 })
        #expect(unsent == 0)
        #expect(try DeadLetters.count("authorizations") == 0)
    }
}
