import Foundation

/// The console and the services it acts through, started as real executables, with the services
/// verifying tokens against the console's published keys (not the development secret).
public final class ConsoleStack: @unchecked Sendable {
    public static let consolePort = LocalPort.resolve(18180)
    public static let servicePorts = [
        "sessions": LocalPort.resolve(18081), "authorizations": LocalPort.resolve(18082), "verification": LocalPort.resolve(18083),
        "notifications": LocalPort.resolve(18084),
    ]

    public let console: ServiceProcess
    public let services: [String: ServiceProcess]
    public let adminEmail: String
    public let adminPassword: String

    /// Where the console writes the emails it sends (invitations), as `.eml` files.
    public let mailFolder = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-console-mail-\(UUID().uuidString.prefix(8))").path

    public var consoleURL: String { "http://127.0.0.1:\(Self.consolePort)" }
    public var issuer: String { consoleURL }

    /// `consoleEnvironment` adds to (or overrides) the console's settings, e.g. a real SMTP server.
    public init(services names: [String] = ["sessions", "authorizations", "verification", "notifications"], consoleEnvironment: [String: String] = [:]) throws {
        let stackEnvironment = try TestStack.environment(for: "console")
        adminEmail = stackEnvironment["EXAMHALL_CONSOLE_ADMIN_EMAIL"] ?? "admin@examhall.test"
        adminPassword = stackEnvironment["EXAMHALL_CONSOLE_ADMIN_PASSWORD"] ?? ""
        let url = "http://127.0.0.1:\(Self.consolePort)"
        var environment = [
            "EXAMHALL_PUBLIC_URL": url,
            "EXAMHALL_LOG_LEVEL": "info",
            "EXAMHALL_MAIL_DIR": mailFolder,
        ]
        for (name, port) in Self.servicePorts { environment["EXAMHALL_\(name.uppercased())_URL"] = "http://127.0.0.1:\(port)" }
        environment.merge(consoleEnvironment) { _, given in given }
        console = ServiceProcess("console", port: Self.consolePort, environment: environment)
        services = Dictionary(uniqueKeysWithValues: names.map { name in
            (name, ServiceProcess(name, port: Self.servicePorts[name]!, environment: [
                "EXAMHALL_JWKS_URL": url + "/.well-known/jwks.json", "EXAMHALL_JWT_ISSUER": url,
            ]))
        })
    }

    /// Services first: they must start (and answer) before the console's keys can be fetched.
    public func start() async throws {
        for service in services.values { try service.launch() }
        try console.launch()
        for service in services.values { try await service.waitUntilReady() }
        try await console.waitUntilReady()
    }

    public func stop() {
        console.stop()
        for service in services.values { service.stop() }
    }

    /// Runs one of the Python browser or HTTP scripts in `Tests/Support` with `environment` (which may
    /// name another `CONSOLE_MAIL_DIR`, such as an SMTP server's).
    public func runScript(_ name: String, environment: [String: String]) throws -> ProgramRun {
        let script = TestStack.root.appendingPathComponent("Tests/Support/\(name)").path
        var variables = ["CONSOLE_URL": consoleURL, "CONSOLE_MAIL_DIR": mailFolder].merging(environment) { _, given in given }
        variables["SE_AVOID_STATS"] = "true"
        return try Program.run(SMTPSink.python, [script], environment: variables, capture: .both)
    }
}
