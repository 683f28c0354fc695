import Foundation

/// Whether a process runs as a deployment or on a developer's machine (`EXAMHALL_ENV`). Production is
/// the default, so that a forgotten setting fails closed: only `scripts/stack env` says `development`.
public enum DeploymentMode: String, Sendable, CaseIterable {
    case production
    case development

    public static func from(_ environment: [String: String]) throws(ConfigurationError) -> DeploymentMode {
        guard let text = environment["EXAMHALL_ENV"], !text.isEmpty else { return .production }
        guard let mode = DeploymentMode(rawValue: text) else {
            throw ConfigurationError(variable: "EXAMHALL_ENV", problem: "must be production or development; got '\(text)'")
        }
        return mode
    }
}

/// What a production process refuses to start with: a value everyone knows (the development token
/// secret, the local credentials a missing URL falls back to), a switch that exists only for the chaos
/// tests, or personal data crossing the network in clear. Each refusal names its variable and the fix.
public enum ProductionRules {
    /// The chaos tests' switches (see `FaultHook`): each breaks the message path on purpose.
    public static let faultInjectionVariables = [
        "EXAMHALL_CRASH_AT", "EXAMHALL_CRASH_AFTER", "EXAMHALL_FAIL_MESSAGE_PREFIX", "EXAMHALL_FAIL_MESSAGE_DELIVERIES",
        "EXAMHALL_ROLLBACK_CORRELATION_PREFIX",
    ]

    /// What a private network lets through: `EXAMHALL_ALLOW_PLAINTEXT=1` accepts `amqp://` and a
    /// PostgreSQL connection that does not verify its server.
    public static func allowsPlaintext(_ environment: [String: String]) throws(ConfigurationError) -> Bool {
        switch environment["EXAMHALL_ALLOW_PLAINTEXT"] ?? "" {
        case "", "0": false
        case "1": true
        case let other: throw ConfigurationError(variable: "EXAMHALL_ALLOW_PLAINTEXT", problem: "must be 1 or 0; got '\(other)'")
        }
    }

    /// Throws the first rule the environment breaks. `verifiesTokens`: the process believes bearer
    /// tokens (every service but the console, which signs its own).
    public static func check(_ environment: [String: String], verifiesTokens: Bool) throws(ConfigurationError) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        for name in ["EXAMHALL_AMQP_URL", "EXAMHALL_DATABASE_URL"] where value(name) == nil {
            throw ConfigurationError(variable: name, problem: "must be set in production: its default holds the local development credentials")
        }
        if value("EXAMHALL_DATABASE_OWNER_URL") == nil {
            throw ConfigurationError(
                variable: "EXAMHALL_DATABASE_OWNER_URL",
                problem: "must be set in production: migrations run as the schema's owner, and the service only with the rights it needs"
            )
        }
        if value("EXAMHALL_JWT_SECRET") == ServiceConfiguration.localJWTSecret {
            throw ConfigurationError(
                variable: "EXAMHALL_JWT_SECRET",
                problem: "is the published development secret, with which anyone can sign an admin token: set a secret of your own, or none"
            )
        }
        if verifiesTokens, value("EXAMHALL_JWKS_URL") == nil {
            throw ConfigurationError(
                variable: "EXAMHALL_JWKS_URL",
                problem: "must be set in production: tokens are verified against the identity provider's published keys, not the development HS256 secret alone"
            )
        }
        if let name = faultInjectionVariables.first(where: { value($0) != nil }) {
            throw ConfigurationError(variable: name, problem: "is a fault-injection switch of the chaos tests and is refused in production")
        }
        guard try !allowsPlaintext(environment) else { return }
        if let url = value("EXAMHALL_AMQP_URL"), !url.hasPrefix("amqps://") {
            throw ConfigurationError(
                variable: "EXAMHALL_AMQP_URL",
                problem: "is plaintext: use amqps://, or set EXAMHALL_ALLOW_PLAINTEXT=1 where the network itself is private"
            )
        }
        for name in ["EXAMHALL_DATABASE_URL", "EXAMHALL_DATABASE_OWNER_URL"] {
            if let url = value(name), databaseSSLMode(url) != "verify-full" {
                throw ConfigurationError(
                    variable: name,
                    problem: "does not verify the database server: add sslmode=verify-full, or set EXAMHALL_ALLOW_PLAINTEXT=1 where the network itself is private"
                )
            }
        }
    }

    /// The `sslmode` a libpq URL asks for (libpq's default, `prefer`, may fall back to plaintext).
    static func databaseSSLMode(_ url: String) -> String {
        URLComponents(string: url)?.queryItems?.last { $0.name == "sslmode" }?.value ?? "prefer"
    }
}
