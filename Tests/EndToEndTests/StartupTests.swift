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
            environment: ["EXAMHALL_ENV": "development", "EXAMHALL_HTTP_PORT": "not-a-port"], capture: .standardError
        )
        #expect(run.status == 78)
        #expect(run.text == "examhall-\(service): configuration error: EXAMHALL_HTTP_PORT must be a whole number from 1 to 65535; got 'not-a-port'\n")
    }

    static let ownSecret = String(repeating: "a-secret-of-this-deployment-", count: 2)

    /// Production is the default: each refusal is one line naming its variable, and exit 78. The base is
    /// the stack's development environment for the service, switched to production.
    @Test(arguments: [
        ("sessions", [:], "EXAMHALL_JWT_SECRET is the published development secret"),
        ("sessions", ["EXAMHALL_JWT_SECRET": ownSecret, "EXAMHALL_JWKS_URL": ""], "EXAMHALL_JWKS_URL must be set in production"),
        ("authorizations", ["EXAMHALL_JWT_SECRET": ownSecret, "EXAMHALL_ALLOW_PLAINTEXT": "1", "EXAMHALL_CRASH_AT": "after-commit-before-ack"],
         "EXAMHALL_CRASH_AT is a fault-injection switch"),
        ("verification", ["EXAMHALL_JWT_SECRET": ownSecret], "EXAMHALL_AMQP_URL is plaintext"),
        ("notifications", ["EXAMHALL_JWT_SECRET": ownSecret, "EXAMHALL_AMQP_URL": "amqps://notifications:x@127.0.0.1:5671/examhall"],
         "EXAMHALL_DATABASE_URL does not verify the database server"),
        ("console", ["EXAMHALL_ALLOW_PLAINTEXT": "1"], "EXAMHALL_CONSOLE_ADMIN_PASSWORD is the published development password"),
        ("console", ["EXAMHALL_CONSOLE_ADMIN_PASSWORD": "a-better-password-for-the-admin"], "EXAMHALL_PUBLIC_URL must be https:// in production"),
    ] as [(String, [String: String], String)])
    func productionRefusesWhatOnlyDevelopmentAccepts(_ service: String, _ change: [String: String], _ message: String) throws {
        let environment = try TestStack.environment(for: service).merging(["EXAMHALL_ENV": "production"]) { $1 }.merging(change) { $1 }
        let run = try Program.run(
            ServiceProcess.binaryDirectory.appendingPathComponent("examhall-\(service)"), environment: environment, capture: .standardError
        )
        #expect(run.status == 78, "\(run.text)")
        #expect(run.text.hasPrefix("examhall-\(service): configuration error: \(message)"), "\(run.text)")
        #expect(run.text.filter { $0 == "\n" }.count == 1, "one line: \(run.text)")
    }

    /// Without development values, a production service starts, says so, and believes no token signed
    /// with the development secret.
    @Test func aProductionServiceStartsWithoutDevelopmentValuesAndSaysItsMode() async throws {
        let service = ServiceProcess("authorizations", port: 18186, environment: [
            "EXAMHALL_ENV": "production", "EXAMHALL_JWT_SECRET": Self.ownSecret, "EXAMHALL_ALLOW_PLAINTEXT": "1",
        ])
        try await service.start()
        defer { service.stop() }
        #expect(service.log.contains("running in production mode"), "\(service.logTail(5))")
        let cli = ServiceProcess.binaryDirectory.appendingPathComponent("examhall")
        let developmentToken = try Program.run(cli, ["token", "--role", "admin", "--subject", "intruder"], environment: try TestStack.environment(for: "admin"))
            .text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await service.get("/authorizations?status=open", token: developmentToken).status == 401)
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
