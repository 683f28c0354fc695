import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// One malformed and one always-failing message among 1,000: both end in the dead-letter queue, the
/// malformed one at once and the failing one after the delivery limit and the back-off between its
/// deliveries; everything else is applied, the service never restarts, and `/metrics` counts both.
@Suite(.serialized) struct PoisonMessageTests {
    @Test func aMalformedAndAnAlwaysFailingMessageAreDeadLetteredAndTheRestGoesThrough() async throws {
        let flow = try PurchaseFlow()
        // The delivery limit stays the default 10: it is also an argument of the inbox queue.
        // A short back-off (100 ms doubling up to 1 s) keeps the test quick and still measurable.
        let retry = RetryDelay(base: .milliseconds(100), maximum: .seconds(1))
        let service = ServiceProcess("authorizations", port: 18266, environment: [
            "EXAMHALL_FAIL_MESSAGE_PREFIX": "poison-", "EXAMHALL_RETRY_BASE_MILLISECONDS": "100", "EXAMHALL_RETRY_MAX_SECONDS": "1",
        ])
        try await service.start()
        defer { service.stop() }

        try flow.publish(499)
        let publisher = try TestPublisher()
        let malformedId = "malformed-\(flow.prefix)"
        try publisher.publishRaw(Array("{\"specversion\": \"1.0\", \"id\": ".utf8), routingKey: "purchase.completed", messageId: malformedId)
        // A valid purchase; were it applied, the checker would count its authorization as unexpected.
        let poisonPublishedAt = Date()
        let poisonId = try publisher.publish(Fixtures.purchase("\(flow.prefix)-poison"), id: "poison-\(flow.prefix)")
        try publisher.confirm()
        try flow.publish(499)

        try await flow.waitUntilSettled()
        let letters = try await eventually(timeout: .seconds(60), { try DeadLetters.count("authorizations") }, until: { $0 >= 2 })
        #expect(letters == 2)
        var reasons: [String: String] = [:]
        var deadLetteredAt: [String: Int64] = [:]
        for letter in try DeadLetters.take("authorizations") {
            reasons[letter.properties.messageId ?? ""] = letter.properties.headers[DeadLetter.reasonHeader]?.stringValue
            deadLetteredAt[letter.properties.messageId ?? ""] = letter.properties.headers[DeadLetter.deadLetteredAtHeader]?.intValue
        }
        // 9 waits between 10 deliveries: 0.1 + 0.2 + 0.4 + 0.8 + 1 × 5 = 6.5 s; the header counts whole seconds.
        let waited = Double(try #require(deadLetteredAt[poisonId])) + 1 - poisonPublishedAt.timeIntervalSince1970
        let backOff = retry.totalBeforeDeadLetter(limit: 10)
        #expect(waited >= Double(backOff.components.seconds), "dead-lettered \(waited) s after publishing, not before the \(backOff) of back-off")
        #expect(reasons[malformedId]?.hasPrefix("body is not") == true, "malformed: \(reasons[malformedId] ?? "not dead-lettered")")
        #expect(reasons[poisonId]?.hasPrefix("failed on each of 10 deliveries; last error: injected failure") == true, "poison: \(reasons[poisonId] ?? "not dead-lettered")")

        let metrics = String(decoding: try await service.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("examhall_messages_dead_lettered_total{type=\"purchase.completed\"} 2"), "the dead letters show in /metrics")
        #expect(metrics.contains("examhall_messages_consumed_total{type=\"purchase.completed\",outcome=\"requeued\"} 9"), "the poison message was retried 9 times, no more")
        #expect(service.isRunning, "no crash, no restart")
        service.stop()
        try flow.expectExact("one malformed and one always-failing message among 1,000")
    }
}
