import ExamHallMessaging
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The stack's TLS listeners (`scripts/stack env NAME --tls`): a production service runs end to end over
/// `amqps://` and `sslmode=verify-full`, and a server whose certificate another authority signed is
/// refused by the broker client and by libpq alike.
@Suite(.serialized) struct TLSEndToEndTests {
    static let ownSecret = String(repeating: "a-secret-of-this-deployment-", count: 2)

    /// A certificate authority the stack never heard of, with a client certificate it signed.
    struct StrangeAuthority {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-strange-ca-\(UUID().uuidString.prefix(8))")
        var ca: String { directory.appendingPathComponent("ca.pem").path }
        var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
        var clientKey: String { directory.appendingPathComponent("client.key").path }

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let script = """
                set -e
                openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=Not the stack' -keyout ca.key -out ca.pem
                openssl req -newkey rsa:2048 -nodes -subj '/CN=stranger' -keyout client.key -out client.csr
                openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out client.pem
                """
            let run = try Program.run(URL(fileURLWithPath: "/bin/bash"), ["-c", script], capture: .both, in: directory)
            try #require(run.status == 0, "\(run.text)")
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func aProductionServiceRunsEndToEndOverAMQPSAndVerifiedPostgres() async throws {
        try TestStack.require()
        let tls = try TestStack.environment(for: "authorizations", tls: true)
        let amqps = try #require(tls["EXAMHALL_AMQP_URL"])
        let database = try #require(tls["EXAMHALL_DATABASE_URL"])
        let owner = try #require(tls["EXAMHALL_DATABASE_OWNER_URL"])
        #expect(amqps.hasPrefix("amqps://") && database.contains("sslmode=verify-full") && owner.contains("sslmode=verify-full"))
        // Production mode with no EXAMHALL_ALLOW_PLAINTEXT: TLS is what lets it start.
        let service = ServiceProcess("authorizations", port: 18189, environment: [
            "EXAMHALL_ENV": "production", "EXAMHALL_AMQP_URL": amqps, "EXAMHALL_DATABASE_URL": database,
            "EXAMHALL_DATABASE_OWNER_URL": owner, "EXAMHALL_JWT_SECRET": Self.ownSecret,
        ])
        try await service.start()
        defer { service.stop() }
        #expect(service.log.contains("running in production mode"))

        // The payment system publishes over TLS too; the purchase becomes an authorization.
        let prefix = "tls-\(UUID().uuidString.prefix(8).lowercased())"
        let cli = ServiceProcess.binaryDirectory.appendingPathComponent("examhall")
        let seed = try Program.run(cli, ["seed", "purchases", "--prefix", prefix], environment: try TestStack.environment(for: "payment-system", tls: true), capture: .both)
        #expect(seed.status == 0, "\(seed.text)")
        let token = try Program.run(
            cli, ["token", "--role", "csr", "--subject", "tls-check"], environment: ["EXAMHALL_JWT_SECRET": Self.ownSecret]
        ).text.trimmingCharacters(in: .whitespacesAndNewlines)
        var items: [Any] = []
        for _ in 0..<100 where items.isEmpty {
            let reply = try await service.get("/authorizations?candidateId=\(prefix)-ada", token: token)
            items = (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["items"] as? [Any] ?? []
            if items.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(items.count == 1, "the purchase sent over amqps became an authorization")

        // Every connection the service holds to PostgreSQL is encrypted.
        let admin = try TestStack.adminDatabase()
        let connections = try admin.query(
            "SELECT count(*) AS total, count(*) FILTER (WHERE s.ssl) AS encrypted FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'examhall-authorizations'"
        )
        let total = try connections[0].decode("total", as: Int64.self)
        let encrypted = try connections[0].decode("encrypted", as: Int64.self)
        #expect(total > 0 && total == encrypted, "\(encrypted) of \(total) connections encrypted")
    }

    @Test func aServerCertificateFromAnotherAuthorityIsRefused() throws {
        try TestStack.require()
        let strange = try StrangeAuthority()
        defer { strange.remove() }
        let tls = try TestStack.environment(for: "admin", tls: true)
        let amqps = try #require(tls["EXAMHALL_AMQP_URL"])
        let database = try #require(tls["EXAMHALL_DATABASE_URL"])
        let stackCA = try #require(amqps.components(separatedBy: "cacertfile=").last)

        // The stack's own authority: both connect.
        try AMQPConnection.open(try AMQPEndpoint(url: amqps), connectTimeout: .seconds(5)).close()
        _ = try PGConnection.connect(url: database, schema: nil, applicationName: "examhall-tests")

        // Another authority: the broker client and libpq refuse the server before logging in.
        #expect(throws: AMQPError.self) {
            try AMQPConnection.open(try AMQPEndpoint(url: amqps.replacingOccurrences(of: stackCA, with: strange.ca)), connectTimeout: .seconds(5))
        }
        do {
            _ = try PGConnection.connect(url: database.replacingOccurrences(of: stackCA, with: strange.ca), schema: nil, applicationName: "examhall-tests")
            Issue.record("libpq trusted a server certificate its root did not sign")
        } catch {
            #expect("\(error)".contains("certificate verify failed"), "\(error)")
        }
    }

    /// A client certificate is optional; one the broker's authority signed is accepted, another refused.
    @Test func theBrokerChecksAClientCertificateWhenOneIsPresented() throws {
        try TestStack.require()
        let strange = try StrangeAuthority()
        defer { strange.remove() }
        let amqps = try #require(try TestStack.environment(for: "admin", tls: true)["EXAMHALL_AMQP_URL"])
        let tlsDirectory = try #require(amqps.components(separatedBy: "cacertfile=").last).replacingOccurrences(of: "/ca.pem", with: "")
        let signed = amqps + "&certfile=\(tlsDirectory)/client.pem&keyfile=\(tlsDirectory)/client.key"
        try AMQPConnection.open(try AMQPEndpoint(url: signed), connectTimeout: .seconds(5)).close()
        let unsigned = amqps + "&certfile=\(strange.clientCertificate)&keyfile=\(strange.clientKey)"
        #expect(throws: AMQPError.self) { try AMQPConnection.open(try AMQPEndpoint(url: unsigned), connectTimeout: .seconds(5)) }
    }

    @Test func tlsOptionsAreReadStrictly() throws {
        let endpoint = try AMQPEndpoint(url: "amqps://u:p@broker.example.org/examhall?cacertfile=/etc/examhall/ca.pem")
        #expect(endpoint.port == 5671 && endpoint.tls?.certificateAuthorities == "/etc/examhall/ca.pem" && endpoint.tls?.certificate == nil)
        #expect(endpoint.description == "amqps://u:***@broker.example.org:5671/examhall")
        #expect(try AMQPEndpoint(url: "amqps://u:p@broker.example.org/examhall").tls?.certificateAuthorities == AMQPEndpoint.systemCertificateAuthorities)
        #expect(try AMQPEndpoint(url: "amqp://u:p@broker.example.org/examhall").tls == nil)
        for bad in [
            "amqp://u:p@broker/examhall?cacertfile=/ca.pem", "amqps://u:p@broker/examhall?certfile=/c.pem",
            "amqps://u:p@broker/examhall?verify=none", "amqps://u:p@broker/examhall?cacertfile=",
        ] {
            #expect(throws: AMQPError.self, "\(bad)") { try AMQPEndpoint(url: bad) }
        }
    }
}
