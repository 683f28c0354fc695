import ExamHallServiceKit
import Testing

@Suite struct ConfigurationTests {
    /// What `scripts/stack env` adds to every service's environment.
    static let development = ["EXAMHALL_ENV": "development"]

    static func load(_ environment: [String: String], service: String = "sessions") throws(ConfigurationError) -> ServiceConfiguration {
        try ServiceConfiguration.load(service: service, defaultHTTPPort: 8081, environment: development.merging(environment) { $1 })
    }

    @Test func defaultsMatchTheLocalStack() throws {
        let configuration = try ServiceConfiguration.load(service: "authorizations", defaultHTTPPort: 8082, environment: Self.development)
        #expect(configuration.amqp.user == "authorizations")
        #expect(configuration.amqp.port == 5682)
        #expect(configuration.amqp.vhost == "examhall")
        #expect(configuration.databaseURL == "postgres://authorizations:authorizations-local@127.0.0.1:5442/examhall")
        #expect(configuration.httpPort == 8082)
        #expect(configuration.mode == .development)
        #expect(configuration.usesDefaultJWTSecret)
        #expect(configuration.defaultLanguage == "en")
        #expect(configuration.retryBase == .seconds(1) && configuration.retryMaximum == .seconds(60))
        #expect(configuration.inboxRetentionDays == 7)
    }

    @Test func theRetryBackOffAndTheInboxRetentionAreSettings() throws {
        let configuration = try Self.load([
            "EXAMHALL_RETRY_BASE_MILLISECONDS": "250", "EXAMHALL_RETRY_MAX_SECONDS": "30", "EXAMHALL_INBOX_RETENTION_DAYS": "30",
        ])
        #expect(configuration.retryBase == .milliseconds(250) && configuration.retryMaximum == .seconds(30))
        #expect(configuration.inboxRetentionDays == 30)
    }

    @Test func developmentTokensAreRefusedWhenPublishedKeysAreUsedWithoutASecret() throws {
        let keys = ["EXAMHALL_JWKS_URL": "https://id.example.org/jwks", "EXAMHALL_JWT_ISSUER": "https://id.example.org"]
        #expect(try !Self.load(keys).acceptsSharedSecretTokens)
        let withSecret = keys.merging(["EXAMHALL_JWT_SECRET": ServiceConfiguration.localJWTSecret]) { $1 }
        #expect(try Self.load(withSecret).acceptsSharedSecretTokens)
        #expect(try Self.load([:]).acceptsSharedSecretTokens)
    }

    @Test func publishedKeysNeedAPinnedIssuer() {
        #expect(throws: ConfigurationError.self) {
            try Self.load(["EXAMHALL_JWKS_URL": "http://127.0.0.1:8080/.well-known/jwks.json"])
        }
        let configuration = try? Self.load([
            "EXAMHALL_JWKS_URL": "https://id.example.org/jwks", "EXAMHALL_JWT_ISSUER": "https://id.example.org",
            "EXAMHALL_JWT_ROLE_CLAIM": "realm_access.roles",
        ])
        #expect(configuration?.tokenPolicy == TokenPolicy(issuer: "https://id.example.org", audience: "examhall", roleClaim: "realm_access.roles", maxLifetime: 3600))
    }

    @Test(arguments: [
        ("EXAMHALL_HTTP_PORT", "http", "EXAMHALL_HTTP_PORT must be a whole number from 1 to 65535; got 'http'"),
        ("EXAMHALL_HTTP_PORT", "70000", "EXAMHALL_HTTP_PORT must be a whole number from 1 to 65535; got '70000'"),
        ("EXAMHALL_AMQP_URL", "http://broker", "EXAMHALL_AMQP_URL is not usable"),
        ("EXAMHALL_DATABASE_URL", "mysql://db", "EXAMHALL_DATABASE_URL must be a postgres:// URL"),
        ("EXAMHALL_JWT_SECRET", "short", "EXAMHALL_JWT_SECRET must be at least 32 bytes long"),
        ("EXAMHALL_LOG_LEVEL", "loud", "EXAMHALL_LOG_LEVEL must be one of"),
        ("EXAMHALL_DEFAULT_LANGUAGE", "english", "EXAMHALL_DEFAULT_LANGUAGE must be a language tag"),
        ("EXAMHALL_SMTP_URL", "mail.example.org", "EXAMHALL_SMTP_URL must be an smtp:// or smtps:// URL"),
        ("EXAMHALL_CRASH_AT", "somewhere", "EXAMHALL_CRASH_AT must be one of after-inbox-insert, after-outbox-insert, after-commit-before-ack, after-confirm-before-mark; got 'somewhere'"),
        ("EXAMHALL_CRASH_AFTER", "-1", "EXAMHALL_CRASH_AFTER must be a whole number"),
        ("EXAMHALL_JWKS_URL", "ftp://keys", "EXAMHALL_JWKS_URL must be an http:// or https:// URL"),
        ("EXAMHALL_JWT_MAX_LIFETIME_SECONDS", "10", "EXAMHALL_JWT_MAX_LIFETIME_SECONDS must be a whole number from 60 to 86400; got '10'"),
        ("EXAMHALL_FAIL_MESSAGE_DELIVERIES", "once", "EXAMHALL_FAIL_MESSAGE_DELIVERIES must be a whole number from 0 to 1000; got 'once'"),
        ("EXAMHALL_INBOX_RETENTION_DAYS", "0", "EXAMHALL_INBOX_RETENTION_DAYS must be a whole number from 1 to 365; got '0'"),
        ("EXAMHALL_RETRY_BASE_MILLISECONDS", "5", "EXAMHALL_RETRY_BASE_MILLISECONDS must be a whole number from 10 to 60000; got '5'"),
    ])
    func malformedSettingIsNamed(_ variable: String, _ value: String, _ message: String) {
        do {
            _ = try Self.load([variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.variable == variable)
            #expect(error.description.hasPrefix("configuration error: \(message)"), "\(error.description)")
        }
    }
}
