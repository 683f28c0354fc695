import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// Passwords, the JWT secret and bearer tokens never reach the logs: not at trace level while the
/// service works, not when a login to the database or the broker is refused.
@Suite(.serialized) struct SecretsInLogsTests {
    static let services = [("sessions", 18230), ("authorizations", 18231), ("verification", 18232), ("notifications", 18233)]
    static let jwtSecret = "jwt-secret-\(UUID().uuidString)"
    static let smtpPassword = "smtp-secret-\(UUID().uuidString.prefix(8))"

    init() throws { try TestStack.require() }

    /// The stack's URL for `service` with its password replaced by `password`.
    static func url(_ variable: String, of service: String, password: String) throws -> String {
        let url = try #require(try TestStack.environment(for: service)[variable])
        var components = try #require(URLComponents(string: url))
        components.password = password
        return try #require(components.string)
    }

    static func expectNoSecret(_ log: String, _ secrets: [String], _ service: String) {
        for secret in secrets {
            #expect(!log.contains(secret), "examhall-\(service) logged a secret (\(secret.prefix(6))…)")
        }
    }

    @Test(arguments: services)
    func aWorkingServiceLogsNoSecretEvenAtTrace(_ service: String, _ port: Int) async throws {
        let stack = try TestStack.environment(for: service)
        let passwords = ["EXAMHALL_DATABASE_URL", "EXAMHALL_AMQP_URL"].compactMap { stack[$0].flatMap(URLComponents.init(string:))?.password }
        #expect(passwords.count == 2, "the stack's URLs for \(service) should carry passwords")
        let process = ServiceProcess(service, port: port, environment: [
            "EXAMHALL_LOG_LEVEL": "trace", "EXAMHALL_JWT_SECRET": Self.jwtSecret,
            "EXAMHALL_SMTP_URL": "smtp://mailer:\(Self.smtpPassword)@127.0.0.1:18239",
        ])
        try await process.start()
        let token = try await TokenAuthority(secret: Self.jwtSecret).sign(Principal(subject: "csr-1", role: .csr))
        let forged = try await TokenAuthority(secret: String(repeating: "f", count: 40)).sign(Principal(subject: "csr-1", role: .admin))
        let path = ["sessions": "/sessions", "authorizations": "/authorizations", "verification": "/attempts", "notifications": "/deliveries"][service]!
        #expect(try await process.get(path, token: token).status == 200)
        #expect(try await process.get(path, token: forged).status == 401)
        #expect(try await process.get(path, token: "not-a-token").status == 401)
        process.stop()

        let log = process.log
        #expect(log.contains("\"level\":\"trace\"") || log.contains("\"level\":\"debug\""), "trace logging was not on: \(process.logTail(5))")
        Self.expectNoSecret(log, passwords + [Self.jwtSecret, Self.smtpPassword, token, forged], service)
    }

    @Test(arguments: services)
    func aRefusedDatabaseOrBrokerLoginIsLoggedWithoutThePassword(_ service: String, _ port: Int) async throws {
        // What the server answers a wrong password with, as the log should report it.
        for (variable, refusal) in [("EXAMHALL_DATABASE_URL", "password authentication failed"), ("EXAMHALL_AMQP_URL", "ACCESS_REFUSED")] {
            let wrong = "wrong-\(UUID().uuidString.prefix(12))"
            let process = ServiceProcess(service, port: port, environment: [
                variable: try Self.url(variable, of: service, password: wrong), "EXAMHALL_JWT_SECRET": Self.jwtSecret,
            ])
            try process.launch()
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, process.isRunning, !process.log.contains(refusal) {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(await process.readiness() != 200, "examhall-\(service) became ready with a wrong password in \(variable)")
            process.kill()
            let log = process.log
            #expect(log.contains(refusal), "examhall-\(service) did not log the refused login (\(refusal)): \(process.logTail(5))")
            Self.expectNoSecret(log, [wrong], service)
        }
    }
}
