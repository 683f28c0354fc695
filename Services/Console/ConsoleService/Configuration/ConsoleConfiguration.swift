import ExamHallServiceKit
import Foundation

/// The console's own settings, beside the ones every service reads (`ServiceConfiguration`).
public struct ConsoleConfiguration: Sendable {
    /// Where people reach the console; cookies are `Secure` when it is https.
    public var publicURL: String
    /// `iss` of the tokens the console signs.
    public var issuer: String
    /// `aud` of the tokens the console signs.
    public var audience: String
    /// How long an access token the console signs for a service call lives.
    public var tokenLifetime: TimeInterval
    /// How long a signing key signs before a new one takes over.
    public var keyRotationPeriod: TimeInterval
    /// A signed-in browser is signed out after this long without a request…
    public var idleTimeout: TimeInterval
    /// …and after this long in any case.
    public var absoluteTimeout: TimeInterval
    public var services: ServiceURLs
    /// The first admin, created at start when no admin exists.
    public var firstAdmin: (email: String, password: String)?
    /// Calls per minute one address may make to what a stranger can reach (signing in, sign-in links,
    /// one-time links), all at once if need be: a test centre's candidates share one address.
    public var publicRatePerMinute = 60

    public struct ServiceURLs: Sendable {
        public var sessions: String
        public var authorizations: String
        public var verification: String
        public var notifications: String
    }

    public var secureCookies: Bool { publicURL.hasPrefix("https://") }

    /// The first admin's password `scripts/stack env console` prints for local use.
    static let developmentAdminPassword = "examhall-admin-local"

    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> ConsoleConfiguration {
        let reader = EnvironmentReader(environment)
        let publicURL = reader.string("EXAMHALL_PUBLIC_URL", default: "http://localhost:8080")
        guard let url = URL(string: publicURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(variable: "EXAMHALL_PUBLIC_URL", problem: "must be an http:// or https:// URL; got '\(publicURL)'")
        }
        func serviceURL(_ name: String, port: Int) throws(ConfigurationError) -> String {
            let variable = "EXAMHALL_\(name.uppercased())_URL"
            let value = reader.string(variable, default: "http://127.0.0.1:\(port)")
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw ConfigurationError(variable: variable, problem: "must be an http:// or https:// URL; got '\(value)'")
            }
            return value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        let email = environment["EXAMHALL_CONSOLE_ADMIN_EMAIL"].flatMap { $0.isEmpty ? nil : $0 }
        let password = environment["EXAMHALL_CONSOLE_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        var firstAdmin: (String, String)?
        switch (email, password) {
        case let (email?, password?):
            if let problem = PasswordRules.problem(with: password) {
                throw ConfigurationError(variable: "EXAMHALL_CONSOLE_ADMIN_PASSWORD", problem: "is not usable: \(problem.lowercased())")
            }
            firstAdmin = (email, password)
        case (nil, nil): firstAdmin = nil
        case (nil, _): throw ConfigurationError(variable: "EXAMHALL_CONSOLE_ADMIN_EMAIL", problem: "must be set with EXAMHALL_CONSOLE_ADMIN_PASSWORD")
        case (_, nil): throw ConfigurationError(variable: "EXAMHALL_CONSOLE_ADMIN_PASSWORD", problem: "must be set with EXAMHALL_CONSOLE_ADMIN_EMAIL")
        }
        if try DeploymentMode.from(environment) == .production {
            if password == developmentAdminPassword {
                throw ConfigurationError(variable: "EXAMHALL_CONSOLE_ADMIN_PASSWORD", problem: "is the published development password: choose another")
            }
            if url.scheme != "https", try !ProductionRules.allowsPlaintext(environment) {
                throw ConfigurationError(
                    variable: "EXAMHALL_PUBLIC_URL",
                    problem: "must be https:// in production, so that sign-in cookies are Secure (or set EXAMHALL_ALLOW_PLAINTEXT=1 behind a proxy that ends TLS)"
                )
            }
        }
        var configuration = ConsoleConfiguration(
            publicURL: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL,
            issuer: reader.string("EXAMHALL_JWT_ISSUER", default: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL),
            audience: reader.string("EXAMHALL_JWT_AUDIENCE", default: "examhall"),
            tokenLifetime: TimeInterval(try reader.int("EXAMHALL_CONSOLE_TOKEN_LIFETIME_SECONDS", default: 300, in: 30...3600)),
            keyRotationPeriod: TimeInterval(try reader.int("EXAMHALL_CONSOLE_KEY_ROTATION_DAYS", default: 30, in: 1...365)) * 86_400,
            idleTimeout: TimeInterval(try reader.int("EXAMHALL_CONSOLE_IDLE_MINUTES", default: 30, in: 1...1440)) * 60,
            absoluteTimeout: TimeInterval(try reader.int("EXAMHALL_CONSOLE_ABSOLUTE_HOURS", default: 12, in: 1...168)) * 3600,
            services: ServiceURLs(
                sessions: try serviceURL("sessions", port: 8081),
                authorizations: try serviceURL("authorizations", port: 8082),
                verification: try serviceURL("verification", port: 8083),
                notifications: try serviceURL("notifications", port: 8084)
            ),
            firstAdmin: firstAdmin
        )
        configuration.publicRatePerMinute = try reader.int("EXAMHALL_CONSOLE_PUBLIC_RATE_PER_MINUTE", default: 60, in: 1...100_000)
        return configuration
    }
}
