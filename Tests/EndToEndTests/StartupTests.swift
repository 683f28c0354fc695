import ExamHallTestSupport
import Foundation
import Testing

/// What an operator sees when a service cannot start, and that every executable starts and stops cleanly.
@Suite(.serialized) struct StartupTests {
    init() throws { try TestStack.require() }

    @Test(arguments: ["sessions", "authorizations", "verification", "notifications", "console"])
    func malformedSettingStopsStartupWithOneLine(_ service: String) throws {
        let run = try Program.run(
            ServiceProcess.binaryDirectory.appendingPathComponent("examhall-\(service)"),
            environment: ["EXAMHALL_HTTP_PORT": "not-a-port"], capture: .standardError
        )
        #expect(run.status == 78)
        #expect(run.text == "examhall-\(service): configuration error: EXAMHALL_HTTP_PORT must be a whole number from 1 to 65535; got 'not-a-port'\n")
    }

    @Test(arguments: [("sessions", 18081), ("authorizations", 18082), ("verification", 18083), ("notifications", 18084), ("console", 18180)])
    func everyServiceBecomesReadyServesMetricsAndStopsOnSIGTERM(_ service: String, _ port: Int) async throws {
        let process = ServiceProcess(service, port: port)
        try await process.start()
        let live = try await process.get("/health/live")
        #expect(live.status == 200)
        let metrics = try await process.get("/metrics")
        #expect(metrics.status == 200)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("# TYPE"))
        let memory = try #require(process.residentMemoryKB)
        #expect(memory > 0)
        process.stop()
        #expect(!process.isRunning)
        #expect(process.logTail().contains("\"msg\":\"stopped\""))
    }
}
