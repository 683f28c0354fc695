import ExamHallTestSupport
import Foundation
import Synchronization
import Testing

/// kill -9 of the authorizations service every 2 s (±1 s) while purchases flow.
@Suite(.serialized) struct KillLoopTests {
    @Test func killedEveryTwoSecondsItLosesNothingAndDuplicatesNothing() async throws {
        let (total, rate) = ChaosScale.pick(short: (3_000, 200), full: (10_000, 250))
        let flow = try PurchaseFlow()
        try await flow.bindInbox(port: 18263)
        let streaming = Atomic(true)
        let stream = Task {
            defer { streaming.store(false, ordering: .relaxed) }
            try await flow.stream(total, perSecond: rate)
        }
        var random = SeededGenerator(seed: 2)
        var kills = 0
        var killsWhileStreaming = 0
        while try streaming.load(ordering: .relaxed) || flow.backlog() > 0, kills < 500 {
            let service = ServiceProcess("authorizations", port: 18263)
            try service.launch()
            try await Task.sleep(for: .milliseconds(Int.random(in: 1_000...3_000, using: &random)))
            if streaming.load(ordering: .relaxed) { killsWhileStreaming += 1 }
            service.kill()
            kills += 1
        }
        try await stream.value
        #expect(killsWhileStreaming >= 3, "kills while purchases were arriving: \(killsWhileStreaming) of \(kills)")

        let service = ServiceProcess("authorizations", port: 18263)
        try await service.start()
        defer { service.stop() }
        try await flow.waitUntilSettled()
        service.stop()
        try flow.expectExact("kill -9 every 2±1 s ×\(kills) (\(killsWhileStreaming) mid-stream), \(total) purchases")
    }
}
