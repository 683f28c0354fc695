import ExamHallTestSupport
import Foundation
import Testing

/// The authorizations service made to die at each of the four worst moments of the message path, over
/// and over, while purchases flow: every purchase still makes exactly one authorization and one
/// `authorization.opened` event.
@Suite(.serialized) struct CrashPointTests {
    static let points = ["after-inbox-insert", "after-outbox-insert", "after-commit-before-ack", "after-confirm-before-mark"]

    @Test(arguments: points)
    func crashingAtThisPointLosesNothingAndDuplicatesNothing(point: String) async throws {
        let crashes = ChaosScale.pick(short: 25, full: 100)
        let flow = try PurchaseFlow()
        try await flow.bindInbox(port: 18262)
        var random = SeededGenerator(seed: 20261124)
        var observed = 0
        var lives = 0
        // Small batches, one consumer: many transactions per life, so the crash lands between others.
        let tuning = ["EXAMHALL_BATCH_SIZE": "5", "EXAMHALL_PREFETCH": "10", "EXAMHALL_CONSUMERS": "1", "EXAMHALL_CRASH_AT": point]
        while observed < crashes {
            lives += 1
            // Each life starts with work waiting.
            if try flow.backlog() < 40 { try flow.publish(100) }
            var environment = tuning
            environment["EXAMHALL_CRASH_AFTER"] = String(Int.random(in: 1...3, using: &random))
            let service = ServiceProcess("authorizations", port: 18262, environment: environment)
            try service.launch()
            // Work keeps coming until the life ends: the relay's point is passed once per batch it
            // publishes, and a backlog consumed in one go would leave it one pass short of the crash.
            var status: Int32?
            let deadline = ContinuousClock.now + .seconds(60)
            while status == nil, ContinuousClock.now < deadline {
                status = try await service.waitForExit(timeout: .milliseconds(500))
                if status == nil, try flow.backlog() < 20 { try flow.publish(20) }
            }
            #expect(status == 70, "life \(lives) ended by the crash point, not otherwise (status \(status.map(String.init) ?? "still running")); log: \(service.logTail(5))")
            if status == nil { service.kill() }
            observed += 1
        }

        let service = ServiceProcess("authorizations", port: 18262)
        try await service.start()
        defer { service.stop() }
        try await flow.waitUntilSettled()
        service.stop()
        // Repeated copies on the wire are allowed whatever the point: the relay runs beside the consumer,
        // so any crash may land between its confirm and its update. The distinct-id check is the verdict.
        try flow.expectExact("crash at \(point) ×\(crashes)")
    }
}
