import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// Every event arrives three times: the same message id twice (as the broker redelivers), the same news
/// under a new id (as a producer re-sends), and each first copy is forced back to the queue once (a
/// failed first delivery, `EXAMHALL_FAIL_MESSAGE_DELIVERIES=1`). Each happening has one effect: one
/// authorization per purchase, one email per booking at a real SMTP server.
@Suite(.serialized) struct TripleDeliveryTests {
    /// Ids under this prefix fail their first delivery and go back to the queue.
    static let requeued = "requeue-"
    static let failFirstDelivery = ["EXAMHALL_FAIL_MESSAGE_PREFIX": requeued, "EXAMHALL_FAIL_MESSAGE_DELIVERIES": "1"]

    @Test func eachPurchaseDeliveredThreeWaysOpensOneAuthorization() async throws {
        let count = ChaosScale.pick(short: 300, full: 3_000)
        let flow = try PurchaseFlow()
        let service = ServiceProcess("authorizations", port: 18267, environment: Self.failFirstDelivery)
        try await service.start()
        defer { service.stop() }

        try flow.publishThreeWays(count, requeuedPrefix: Self.requeued)
        try await flow.waitUntilSettled()
        // The first of the two copies under the forced id to arrive went back once; the second went back
        // too, unless the first had been applied by then (then its inbox turned it away).
        let requeues = try await Self.requeues(of: "purchase.completed", at: service, reach: count)
        #expect((count...2 * count).contains(requeues), "requeues in /metrics: \(requeues)")
        // A copy that failed waits for its retry delay before it comes back: stop only once each copy
        // was applied or skipped as a duplicate, or the held ones would return to the queue.
        let settled = try await Self.settledCopies(of: "purchase.completed", at: service, reach: 3 * count)
        #expect(settled == 3 * count, "copies applied or skipped: \(settled) of \(3 * count)")
        service.stop()
        try flow.expectExact("\(count) purchases, each delivered three ways (\(3 * count) messages)")
    }

    @Test func eachBookingDeliveredThreeWaysIsOneEmail() async throws {
        let count = ChaosScale.pick(short: 100, full: 1_000)
        let sink = SMTPSink(port: 18291)
        try sink.start()
        defer { sink.stop() }
        let notifications = try await MailFlow.startNotifications(port: 18268, sink: sink, environment: Self.failFirstDelivery)
        defer { notifications.stop() }
        let admin = AdminDatabase()

        let prefix = "triple-\(UUID().uuidString.prefix(8).lowercased())"
        let session = MailFlow.session(prefix)
        let candidates = (0..<count).map { "cand-\(prefix)-\($0)" }
        let publisher = try TestPublisher(as: "admin")
        for candidate in candidates {
            let event = MailFlow.confirmed(candidate, session: session)
            let id = "\(Self.requeued)\(UUID().uuidString.lowercased())"
            try publisher.publish(event, id: id, exchange: .events)
            try publisher.publish(event, id: id, exchange: .events)
            try publisher.publish(event, exchange: .events)
        }
        try publisher.confirm()

        _ = try await sink.waitForMessages(count, timeout: .seconds(180))
        let settled = try await eventually(timeout: .seconds(60), { try TestStack.queueDepth("notifications.inbox") }, until: { $0 == 0 })
        #expect(settled == 0, "inbox drained")
        try await Task.sleep(for: .seconds(3))  // anything duplicated would arrive now
        let received = try sink.recipients()
        let emails = EffectCheck("booking emails", expected: candidates.map { "\($0)@example.org" }, observed: received.filter { $0.contains(prefix) })
        #expect(emails.isExact, "\(emails)")
        let sent = try admin.query(
            "SELECT count(*)::int AS n FROM notifications.deliveries WHERE candidate_id LIKE $1 AND status = 'sent'", ["cand-\(prefix)-%"]
        )[0].decode("n", as: Int.self)
        #expect(sent == count, "one sent delivery per booking")
        let requeues = try await Self.requeues(of: "booking.confirmed", at: notifications, reach: count)
        #expect((count...2 * count).contains(requeues), "requeues in /metrics: \(requeues)")
        #expect(try DeadLetters.count("notifications") == 0, "nothing dead-lettered")
        #expect(notifications.isRunning)
        print("chaos \(count) bookings, each delivered three ways (\(3 * count) messages): \(emails)")
    }

    /// How many copies of `type` the service applied or skipped as duplicates, once it reached `expected`.
    static func settledCopies(of type: String, at service: ServiceProcess, reach expected: Int) async throws -> Int {
        try await eventually(timeout: .seconds(60), {
            let applied = try await service.metric("examhall_messages_consumed_total{type=\"\(type)\",outcome=\"applied\"}") ?? 0
            let duplicate = try await service.metric("examhall_messages_consumed_total{type=\"\(type)\",outcome=\"duplicate\"}") ?? 0
            return Int(applied + duplicate)
        }, until: { $0 >= expected })
    }

    /// The requeue count `/metrics` shows for `type` once it reached `expected` (the last redeliveries
    /// may still be in flight when the effects are all there), or when it stopped short of it.
    static func requeues(of type: String, at service: ServiceProcess, reach expected: Int) async throws -> Int {
        try await eventually(timeout: .seconds(30), {
            Int(try await service.metric("examhall_messages_consumed_total{type=\"\(type)\",outcome=\"requeued\"}") ?? 0)
        }, until: { $0 >= expected })
    }
}
