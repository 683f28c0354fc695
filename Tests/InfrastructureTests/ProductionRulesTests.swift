import ExamHallServiceKit
import Testing

/// Production is the default mode, and it refuses what only a developer's machine may use.
@Suite struct ProductionRulesTests {
    /// A production environment that passes every rule: TLS to both servers, published keys, no known secret.
    static let deployment = [
        "EXAMHALL_AMQP_URL": "amqps://sessions:s3cret@broker.example.org:5671/examhall",
        "EXAMHALL_DATABASE_URL": "postgres://sessions:s3cret@db.example.org:5432/examhall?sslmode=verify-full&sslrootcert=/etc/examhall/ca.pem",
        "EXAMHALL_DATABASE_OWNER_URL": "postgres://sessions_owner:0wn3r@db.example.org:5432/examhall?sslmode=verify-full&sslrootcert=/etc/examhall/ca.pem",
        "EXAMHALL_JWKS_URL": "https://id.example.org/jwks", "EXAMHALL_JWT_ISSUER": "https://id.example.org",
    ]

    static func refusal(_ environment: [String: String], verifiesTokens: Bool = true) -> ConfigurationError? {
        do {
            try ProductionRules.check(environment, verifiesTokens: verifiesTokens)
            return nil
        } catch {
            return error
        }
    }

    @Test func productionIsTheDefaultAndAnUnknownModeIsRefused() throws {
        #expect(try DeploymentMode.from([:]) == .production)
        #expect(try DeploymentMode.from(["EXAMHALL_ENV": ""]) == .production)
        #expect(try DeploymentMode.from(["EXAMHALL_ENV": "development"]) == .development)
        #expect(throws: ConfigurationError.self) { try DeploymentMode.from(["EXAMHALL_ENV": "staging"]) }
        #expect(throws: ConfigurationError.self) { try DeploymentMode.from(["EXAMHALL_ENV": "Production"]) }
    }

    @Test func aDeploymentThatKeepsEveryRuleIsAccepted() throws {
        #expect(Self.refusal(Self.deployment) == nil)
        // An HS256 secret of its own beside the published keys is allowed; plaintext where the operator says the network is private.
        #expect(Self.refusal(Self.deployment.merging(["EXAMHALL_JWT_SECRET": String(repeating: "k", count: 40)]) { $1 }) == nil)
        let plaintext = ["EXAMHALL_AMQP_URL": "amqp://sessions:s3cret@rabbitmq:5672/examhall", "EXAMHALL_DATABASE_URL": "postgres://sessions:s3cret@postgres/examhall",
                         "EXAMHALL_DATABASE_OWNER_URL": "postgres://sessions_owner:0wn3r@postgres/examhall"]
        #expect(Self.refusal(Self.deployment.merging(plaintext) { $1 }.merging(["EXAMHALL_ALLOW_PLAINTEXT": "1"]) { $1 }) == nil)
        let configuration = try ServiceConfiguration.load(service: "sessions", defaultHTTPPort: 8081, environment: Self.deployment.merging(plaintext) { $1 }.merging(["EXAMHALL_ALLOW_PLAINTEXT": "1"]) { $1 })
        #expect(configuration.mode == .production && !configuration.acceptsSharedSecretTokens)
    }

    @Test(arguments: [
        (["EXAMHALL_AMQP_URL": ""], "EXAMHALL_AMQP_URL", "must be set in production"),
        (["EXAMHALL_DATABASE_URL": ""], "EXAMHALL_DATABASE_URL", "must be set in production"),
        (["EXAMHALL_DATABASE_OWNER_URL": ""], "EXAMHALL_DATABASE_OWNER_URL", "must be set in production"),
        (["EXAMHALL_DATABASE_OWNER_URL": "postgres://sessions_owner:0wn3r@db.example.org/examhall?sslmode=prefer"], "EXAMHALL_DATABASE_OWNER_URL", "does not verify the database server"),
        (["EXAMHALL_JWT_SECRET": ServiceConfiguration.localJWTSecret], "EXAMHALL_JWT_SECRET", "is the published development secret"),
        (["EXAMHALL_JWKS_URL": ""], "EXAMHALL_JWKS_URL", "must be set in production"),
        (["EXAMHALL_CRASH_AT": "after-commit-before-ack"], "EXAMHALL_CRASH_AT", "is a fault-injection switch"),
        (["EXAMHALL_CRASH_AFTER": "3"], "EXAMHALL_CRASH_AFTER", "is a fault-injection switch"),
        (["EXAMHALL_FAIL_MESSAGE_PREFIX": "poison-"], "EXAMHALL_FAIL_MESSAGE_PREFIX", "is a fault-injection switch"),
        (["EXAMHALL_FAIL_MESSAGE_DELIVERIES": "2"], "EXAMHALL_FAIL_MESSAGE_DELIVERIES", "is a fault-injection switch"),
        (["EXAMHALL_ROLLBACK_CORRELATION_PREFIX": "rb-"], "EXAMHALL_ROLLBACK_CORRELATION_PREFIX", "is a fault-injection switch"),
        (["EXAMHALL_AMQP_URL": "amqp://sessions:s3cret@broker.example.org/examhall"], "EXAMHALL_AMQP_URL", "is plaintext"),
        (["EXAMHALL_DATABASE_URL": "postgres://sessions:s3cret@db.example.org/examhall"], "EXAMHALL_DATABASE_URL", "does not verify the database server"),
        (["EXAMHALL_DATABASE_URL": "postgres://sessions:s3cret@db.example.org/examhall?sslmode=require"], "EXAMHALL_DATABASE_URL", "does not verify the database server"),
        (["EXAMHALL_ALLOW_PLAINTEXT": "yes"], "EXAMHALL_ALLOW_PLAINTEXT", "must be 1 or 0"),
    ])
    func eachRuleRefusesNamingItsVariable(_ change: [String: String], _ variable: String, _ problem: String) throws {
        let refusal = try #require(Self.refusal(Self.deployment.merging(change) { $1 }), "\(change) was accepted")
        #expect(refusal.variable == variable)
        #expect(refusal.problem.hasPrefix(problem), "\(refusal)")
        // The same refusal stops the service's configuration, and development mode accepts it all but a malformed value.
        #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration.load(service: "sessions", defaultHTTPPort: 8081, environment: Self.deployment.merging(change) { $1 })
        }
    }

    @Test func theConsoleSignsItsOwnTokensSoNeedsNoPublishedKeys() {
        var console = Self.deployment
        console["EXAMHALL_JWKS_URL"] = nil
        #expect(Self.refusal(console, verifiesTokens: false) == nil)
        #expect(Self.refusal(console, verifiesTokens: true)?.variable == "EXAMHALL_JWKS_URL")
    }
}
