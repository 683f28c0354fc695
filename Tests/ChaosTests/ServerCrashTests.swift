import ExamHallTestSupport
import Foundation
import Testing

/// RabbitMQ killed with -9 twice and PostgreSQL stopped with `-m immediate` (a crash: recovery from the
/// WAL on start) while purchases flow. The service recovers by itself each time, within 30 s.
@Suite(.serialized) struct ServerCrashTests {
    @Test func brokerKilledTwiceAndDatabaseCrashedMidFlowLoseNothing() async throws {
        let chunk = ChaosScale.pick(short: 1_000, full: 3_000)
        // The tap's queue would die with the broker; the outbox shows what the broker confirmed.
        let flow = try PurchaseFlow(watchingTheBus: false)
        let service = ServiceProcess("authorizations", port: 18264)
        try await service.start()
        defer { service.stop() }

        // The inbox queue must be established before the broker dies under it: a quorum queue declared
        // a moment before a kill -9 of a fresh node may still be recovering when the node is back.
        try flow.publish(100)
        try await flow.waitUntilSettled()
        for fault in ["broker-kill", "broker-kill", "db-crash"] {
            // Counted before publishing: a service quick enough to apply the whole chunk during the
            // publish would otherwise leave nothing more to wait for, and the wait ran to its limit.
            let before = try flow.applied()
            try flow.publish(chunk)
            _ = try await eventually(timeout: .seconds(120), { try flow.applied() }, until: { $0 >= before + chunk / 5 })
            print("chaos server: \(fault) with \(flow.sent.count - (try flow.applied())) purchases not yet applied")
            if fault == "db-crash" {
                try TestStack.control("db-stop", "immediate")
                try await Task.sleep(for: .seconds(2))
                try TestStack.control("db-start")
            } else {
                try TestStack.control("broker-kill")
            }
            // Measured from the moment the server is back: no help from anyone.
            try await service.waitUntilReady(timeout: .seconds(30))
            #expect(service.isRunning, "the service rode out \(fault) without restarting")
        }
        try flow.publish(chunk)
        try await flow.waitUntilSettled()
        service.stop()
        try flow.expectExact("RabbitMQ kill -9 ×2, PostgreSQL -m immediate, \(flow.sent.count) purchases")
    }
}
