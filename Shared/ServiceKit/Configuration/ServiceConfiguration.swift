import ExamHallMessaging
import ExamHallStorage
import Foundation
import ExamHallModels
import Logging

/// A setting that is missing or malformed; start-up stops with this one line.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "configuration error: \(variable) \(problem)" }
}

/// Everything a service reads from `EXAMHALL_*` environment variables. Defaults match `scripts/stack`.
public struct ServiceConfiguration: Sendable {
    public var service: String
    /// Production (the default) refuses development secrets, fault injection and plaintext at start-up.
    public var mode: DeploymentMode = .production
    public var amqp: AMQPEndpoint
    public var databaseURL: String
    /// The role that owns the service's schema and applies its migrations; the service itself then runs
    /// on `databaseURL`'s role with only the privileges the owner grants it. Nil: one role does both.
    public var databaseOwnerURL: String?
    public var httpHost: String
    public var httpPort: Int
    /// How long an HTTP connection may send nothing before it is closed.
    public var httpIdleTimeout: Duration = .seconds(60)
    public var jwtSecret: String
    public var usesDefaultJWTSecret: Bool
    public var logLevel: Logger.Level
    public var defaultLanguage: String
    public var smtpURL: String?
    public var databasePoolSize: Int
    public var prefetch: Int
    public var batchSize: Int
    /// Competing consumers per process, each with its own connection and database transaction.
    public var consumers: Int
    public var deliveryLimit: Int
    /// How long a message whose handler failed waits before its next delivery: the first wait,
    /// doubling with each failed delivery up to `retryMaximum`.
    public var retryBase: Duration = .seconds(1)
    public var retryMaximum: Duration = .seconds(60)
    /// How long applied message ids are kept: a message arriving again within it is skipped.
    public var inboxRetentionDays = 7
    /// How long a seat in a paid session is held for the candidate's payment (sessions).
    public var paymentWindow: Duration
    /// How often verified results are exported to the external system (verification).
    public var exportInterval: Duration
    /// How often attempts never started are looked for and marked no-shows (verification).
    public var noShowInterval: Duration = .seconds(60)
    /// How often authorizations past their validity are expired (authorizations).
    public var expiryInterval: Duration = .seconds(30)
    /// Where the identity provider publishes its signing keys; nil: only development HS256 tokens.
    public var jwksURL: String?
    /// What tokens verified against `jwksURL` must say (issuer, audience, role claim, lifetime).
    public var tokenPolicy: TokenPolicy = .development
    /// Whether development HS256 tokens are believed: when `EXAMHALL_JWT_SECRET` is set, or when no
    /// JWKS URL is (a bare local run). A deployment that verifies against published keys and sets no
    /// secret never believes a token signed with the well-known development secret.
    public var acceptsSharedSecretTokens: Bool = true

    /// The service's own schema on its own role: every connection it opens.
    public var databaseSettings: DatabaseSettings {
        DatabaseSettings(url: databaseURL, schema: service, applicationName: "examhall-\(service)")
    }

    /// The schema owner's connection, for migrations and grants only.
    public var databaseOwnerSettings: DatabaseSettings? {
        databaseOwnerURL.map { DatabaseSettings(url: $0, schema: service, applicationName: "examhall-\(service)-migrations") }
    }

    public static let localJWTSecret = "examhall-local-development-jwt-secret-change-me"

    /// The settings of a service's executable, from its own environment.
    public static func load(_ description: ServiceDescription) throws(ConfigurationError) -> ServiceConfiguration {
        try load(service: description.name, defaultHTTPPort: description.defaultHTTPPort, verifiesBearerTokens: description.verifiesBearerTokens)
    }

    public static func load(
        service: String, defaultHTTPPort: Int, verifiesBearerTokens: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServiceConfiguration {
        let mode = try DeploymentMode.from(environment)
        if mode == .production { try ProductionRules.check(environment, verifiesTokens: verifiesBearerTokens) }
        let reader = EnvironmentReader(environment)
        let amqpURL = reader.string("EXAMHALL_AMQP_URL", default: "amqp://\(service):\(service)-local@127.0.0.1:5682/examhall")
        let amqp: AMQPEndpoint
        do { amqp = try AMQPEndpoint(url: amqpURL) } catch {
            throw ConfigurationError(variable: "EXAMHALL_AMQP_URL", problem: "is not usable: \(error)")
        }
        if let unreadable = amqp.tls?.unreadableFiles.first {
            throw ConfigurationError(variable: "EXAMHALL_AMQP_URL", problem: "names \(unreadable), which cannot be read")
        }
        let databaseURL = reader.string("EXAMHALL_DATABASE_URL", default: "postgres://\(service):\(service)-local@127.0.0.1:5442/examhall")
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") else {
            throw ConfigurationError(variable: "EXAMHALL_DATABASE_URL", problem: "must be a postgres:// URL")
        }
        let ownerURL = environment["EXAMHALL_DATABASE_OWNER_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let ownerURL, !(ownerURL.hasPrefix("postgres://") || ownerURL.hasPrefix("postgresql://")) {
            throw ConfigurationError(variable: "EXAMHALL_DATABASE_OWNER_URL", problem: "must be a postgres:// URL")
        }
        let secret = reader.string("EXAMHALL_JWT_SECRET", default: localJWTSecret)
        // HS256 keys shorter than the hash output (32 bytes) are refused by jwt-kit, and rightly so.
        guard secret.utf8.count >= 32 else {
            throw ConfigurationError(variable: "EXAMHALL_JWT_SECRET", problem: "must be at least 32 bytes long")
        }
        let levelText = reader.string("EXAMHALL_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigurationError(variable: "EXAMHALL_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical; got '\(levelText)'")
        }
        let language = reader.string("EXAMHALL_DEFAULT_LANGUAGE", default: "en")
        guard Formats.isLanguageTag(language) else {
            throw ConfigurationError(variable: "EXAMHALL_DEFAULT_LANGUAGE", problem: "must be a language tag such as 'en'; got '\(language)'")
        }
        let smtp = environment["EXAMHALL_SMTP_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let smtp, !(smtp.hasPrefix("smtp://") || smtp.hasPrefix("smtps://")) {
            throw ConfigurationError(variable: "EXAMHALL_SMTP_URL", problem: "must be an smtp:// or smtps:// URL")
        }
        if let crashAt = environment["EXAMHALL_CRASH_AT"], !crashAt.isEmpty, CrashPoint(rawValue: crashAt) == nil {
            let names = CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: "EXAMHALL_CRASH_AT", problem: "must be one of \(names); got '\(crashAt)'")
        }
        _ = try reader.int("EXAMHALL_CRASH_AFTER", default: 0, in: 0...1_000_000)
        _ = try reader.int("EXAMHALL_FAIL_MESSAGE_DELIVERIES", default: 0, in: 0...1_000)
        let jwksURL = environment["EXAMHALL_JWKS_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let jwksURL, !(jwksURL.hasPrefix("http://") || jwksURL.hasPrefix("https://")) {
            throw ConfigurationError(variable: "EXAMHALL_JWKS_URL", problem: "must be an http:// or https:// URL")
        }
        let issuer = environment["EXAMHALL_JWT_ISSUER"].flatMap { $0.isEmpty ? nil : $0 }
        if jwksURL != nil, issuer == nil {
            throw ConfigurationError(variable: "EXAMHALL_JWT_ISSUER", problem: "must be set with EXAMHALL_JWKS_URL: tokens are only believed from a pinned issuer")
        }
        let tokenPolicy = TokenPolicy(
            issuer: issuer,
            audience: reader.string("EXAMHALL_JWT_AUDIENCE", default: "examhall"),
            roleClaim: reader.string("EXAMHALL_JWT_ROLE_CLAIM", default: "role"),
            maxLifetime: TimeInterval(try reader.int("EXAMHALL_JWT_MAX_LIFETIME_SECONDS", default: 3600, in: 60...86_400))
        )
        var configuration = ServiceConfiguration(
            service: service,
            amqp: amqp,
            databaseURL: databaseURL,
            httpHost: reader.string("EXAMHALL_HTTP_HOST", default: "127.0.0.1"),
            httpPort: try reader.int("EXAMHALL_HTTP_PORT", default: defaultHTTPPort, in: 1...65535),
            jwtSecret: secret,
            usesDefaultJWTSecret: secret == localJWTSecret,
            logLevel: level,
            defaultLanguage: language,
            smtpURL: smtp,
            databasePoolSize: try reader.int("EXAMHALL_DB_POOL_SIZE", default: 4, in: 1...64),
            prefetch: try reader.int("EXAMHALL_PREFETCH", default: 200, in: 1...5000),
            batchSize: try reader.int("EXAMHALL_BATCH_SIZE", default: 100, in: 1...1000),
            consumers: try reader.int("EXAMHALL_CONSUMERS", default: 2, in: 1...16),
            deliveryLimit: try reader.int("EXAMHALL_DELIVERY_LIMIT", default: 10, in: 1...1000),
            paymentWindow: .seconds(try reader.int("EXAMHALL_PAYMENT_WINDOW_SECONDS", default: 1800, in: 10...604_800)),
            exportInterval: .seconds(try reader.int("EXAMHALL_EXPORT_INTERVAL_SECONDS", default: 30, in: 1...86_400)),
            noShowInterval: .seconds(try reader.int("EXAMHALL_NO_SHOW_INTERVAL_SECONDS", default: 60, in: 1...86_400)),
            expiryInterval: .seconds(try reader.int("EXAMHALL_EXPIRY_INTERVAL_SECONDS", default: 30, in: 1...86_400)),
            jwksURL: jwksURL,
            tokenPolicy: tokenPolicy,
            acceptsSharedSecretTokens: jwksURL == nil || !(environment["EXAMHALL_JWT_SECRET"] ?? "").isEmpty
        )
        configuration.mode = mode
        configuration.databaseOwnerURL = ownerURL
        configuration.httpIdleTimeout = .seconds(try reader.int("EXAMHALL_HTTP_IDLE_SECONDS", default: 60, in: 1...3600))
        configuration.retryBase = .milliseconds(try reader.int("EXAMHALL_RETRY_BASE_MILLISECONDS", default: 1000, in: 10...60_000))
        configuration.retryMaximum = .seconds(try reader.int("EXAMHALL_RETRY_MAX_SECONDS", default: 60, in: 1...3600))
        configuration.inboxRetentionDays = try reader.int("EXAMHALL_INBOX_RETENTION_DAYS", default: 7, in: 1...365)
        return configuration
    }
}

/// Reads `EXAMHALL_*` settings with defaults; a malformed one is a `ConfigurationError` naming it.
public struct EnvironmentReader: Sendable {
    let environment: [String: String]
    public init(_ environment: [String: String]) { self.environment = environment }

    public func string(_ name: String, default value: String) -> String {
        guard let text = environment[name], !text.isEmpty else { return value }
        return text
    }

    public func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError(variable: name, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound); got '\(text)'")
        }
        return number
    }
}
