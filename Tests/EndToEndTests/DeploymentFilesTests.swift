import ExamHallMessaging
import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// docker-compose.yml, the broker definitions and the database init script agree with what the services
/// use: names of users, queues, exchanges, schemas, variables and ports.
@Suite struct DeploymentFilesTests {
    /// Everything that runs as a service with its own schema, queues and credentials: the console too.
    static let services = ["sessions": 8081, "authorizations": 8082, "verification": 8083, "notifications": 8084, "console": 8080]

    /// Every secret compose requires, with a value of this test's own.
    static let secrets: [String: String] = {
        var secrets = ["EXAMHALL_ADMIN_DB_PASSWORD": "db-admin-secret", "EXAMHALL_PAYMENT_SYSTEM_AMQP_PASSWORD": "payment-secret",
                       "EXAMHALL_ADMIN_AMQP_PASSWORD": "broker-admin-secret", "EXAMHALL_CONSOLE_ADMIN_EMAIL": "admin@example.org",
                       "EXAMHALL_CONSOLE_ADMIN_PASSWORD": "console-admin-secret"]
        for name in services.keys {
            for kind in ["DB", "DB_OWNER", "AMQP"] { secrets["EXAMHALL_\(name.uppercased())_\(kind)_PASSWORD"] = "\(name)-\(kind.lowercased())-secret" }
        }
        return secrets
    }()

    /// `docker-compose config` on the compose file with `environment` (nothing else of the test's own
    /// EXAMHALL_* settings), from a folder with no .env file.
    static func composeConfig(_ environment: [String: String]) throws -> ProgramRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-compose-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let compose = TestStack.root.appendingPathComponent("docker-compose.yml").path
        var clean = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EXAMHALL_") }
        clean.merge(environment) { $1 }
        return try Program.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["-i"] + clean.map { "\($0.key)=\($0.value)" } + ["/usr/bin/docker-compose", "-f", compose, "--project-directory", folder.path, "config"],
            capture: .both, in: folder
        )
    }

    /// The compose file as docker-compose itself resolves it (validation included), with every secret set, as JSON.
    func composeConfig() throws -> [String: Any] {
        let config = try Self.composeConfig(Self.secrets)
        #expect(config.status == 0, "docker-compose config rejected the file: \(config.text)")
        let json = try Program.run(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], input: config.output
        )
        return try #require(try JSONSerialization.jsonObject(with: json.output) as? [String: Any])
    }

    /// Nothing falls back to a known value: without any one of its secrets, compose refuses to run and names it.
    @Test(arguments: secrets.keys.sorted())
    func composeRefusesToRunWithoutEachSecret(_ missing: String) throws {
        let run = try Self.composeConfig(Self.secrets.filter { $0.key != missing })
        #expect(run.status != 0, "compose ran without \(missing)")
        #expect(run.text.contains(missing), "the refusal names \(missing): \(run.text)")
    }

    @Test func theResolvedFileCarriesTheGivenSecretsAndNoDefaultOne() throws {
        let config = try Self.composeConfig(Self.secrets)
        #expect(config.status == 0, "\(config.text)")
        for value in Self.secrets.values where value.hasSuffix("secret") { #expect(config.text.contains(value), "\(value) is used") }
        for known in ["-local", "admin-local", "examhall-admin-local"] { #expect(!config.text.contains(known), "a development value (\(known)) is in the resolved file") }
    }

    @Test func composeRunsEveryServiceWithItsOwnCredentialsAndPort() throws {
        let compose = try composeConfig()
        let services = try #require(compose["services"] as? [String: [String: Any]])
        for required in ["rabbitmq", "postgres", "mailpit", "prometheus"] { #expect(services[required] != nil, "\(required) missing") }
        for (name, port) in Self.services {
            let service = try #require(services[name], "\(name) missing")
            #expect((service["command"] as? [String]) == ["/app/examhall-\(name)"])
            let environment = try #require(service["environment"] as? [String: String])
            #expect(environment["EXAMHALL_HTTP_PORT"] == String(port))
            #expect(environment["EXAMHALL_HTTP_HOST"] == "0.0.0.0")
            // Production mode, whose rules the settings pass: no development secret, and only the console's tokens are believed.
            #expect(environment["EXAMHALL_ENV"] == "production")
            #expect(environment["EXAMHALL_JWT_SECRET"] == nil, "\(name) believes no HS256 token")
            #expect(throws: Never.self, "\(name)'s settings pass the production rules") {
                try ServiceConfiguration.load(service: name, defaultHTTPPort: port, verifiesBearerTokens: name != "console", environment: environment)
            }
            let amqp = try AMQPEndpoint(url: try #require(environment["EXAMHALL_AMQP_URL"]))
            #expect(amqp.user == name && amqp.vhost == "examhall" && amqp.host == "rabbitmq")
            let databaseURL = try #require(environment["EXAMHALL_DATABASE_URL"])
            let database = try #require(URLComponents(string: databaseURL))
            #expect(database.user == name && database.host == "postgres" && database.path == "/examhall")
            // Migrations run as the schema's owner; the service itself runs on its own, lesser role.
            let ownerURL = try #require(environment["EXAMHALL_DATABASE_OWNER_URL"])
            let owner = try #require(URLComponents(string: ownerURL))
            #expect(owner.user == "\(name)_owner" && owner.host == "postgres" && owner.path == "/examhall")
            let healthcheck = try #require((service["healthcheck"] as? [String: Any])?["test"] as? [String])
            #expect(healthcheck.last == "http://localhost:\(port)/health/ready")
            if name != "console" {
                #expect(environment["EXAMHALL_JWKS_URL"] == "http://console:8080/.well-known/jwks.json", "\(name) verifies the console's tokens")
            }
            let dependencies = try #require(service["depends_on"] as? [String: [String: String]])
            #expect(dependencies["rabbitmq"]?["condition"] == "service_healthy")
            #expect(dependencies["postgres"]?["condition"] == "service_healthy")
        }
        let postgres = try #require(services["postgres"]?["environment"] as? [String: String])
        #expect(postgres["POSTGRES_DB"] == "examhall")
        for name in Self.services.keys {
            #expect(postgres["EXAMHALL_\(name.uppercased())_DB_PASSWORD"] != nil, "init script needs the \(name) password")
            #expect(postgres["EXAMHALL_\(name.uppercased())_DB_OWNER_PASSWORD"] != nil, "init script needs the \(name) owner's password")
        }
    }

    /// The broker, the database, the mail catcher and Prometheus answer only on this host, for its
    /// operator; only the console and the services' APIs are published beyond it.
    @Test func noInfrastructurePortIsPublishedBeyondThisHost() throws {
        let services = try #require(try composeConfig()["services"] as? [String: [String: Any]])
        for name in ["rabbitmq", "postgres", "mailpit", "prometheus"] {
            for port in services[name]?["ports"] as? [Any] ?? [] {
                // docker-compose prints "HOST_IP:PUBLISHED:TARGET/tcp", or a mapping with host_ip.
                let hostIP = (port as? String).map { String($0.split(separator: ":").first ?? "") } ?? (port as? [String: Any])?["host_ip"] as? String
                #expect(hostIP == "127.0.0.1", "\(name) publishes \(port) beyond this host")
            }
        }
        for (name, service) in services {
            for port in service["ports"] as? [Any] ?? [] where Self.services[name] == nil && !["rabbitmq", "postgres", "mailpit", "prometheus"].contains(name) {
                Issue.record("\(name) publishes \(port), and is neither infrastructure nor a service")
            }
        }
    }

    /// Every image is pinned to a version, so two deployments of one commit run the same software.
    @Test func everyImageTagIsPinned() throws {
        let services = try #require(try composeConfig()["services"] as? [String: [String: Any]])
        for (name, service) in services {
            guard let image = service["image"] as? String, image != "examhall:local" else { continue }
            let tag = image.split(separator: ":").last.map(String.init) ?? ""
            #expect(image.contains(":") && tag != "latest" && tag.contains(where: \.isNumber) && tag.filter { $0 == "." }.count >= 1, "\(name): \(image)")
        }
        let dockerfile = try String(contentsOf: TestStack.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        for argument in ["BUILDER_IMAGE", "RUNTIME_IMAGE"] {
            #expect(dockerfile.contains("ARG \(argument)=") && dockerfile.contains("FROM ${\(argument)}"), "the Dockerfile takes \(argument)")
        }
    }

    /// compose's broker creates every user from its own required secret, with the setup scripts stack uses.
    @Test func composeCreatesTheBrokerUsersFromItsSecrets() throws {
        let services = try #require(try composeConfig()["services"] as? [String: [String: Any]])
        let rabbitmq = try #require(services["rabbitmq"])
        let environment = try #require(rabbitmq["environment"] as? [String: String])
        for user in Self.services.keys.map({ $0.uppercased() }) + ["PAYMENT_SYSTEM", "ADMIN"] {
            let variable = "EXAMHALL_\(user)_AMQP_PASSWORD"
            #expect(environment[variable] == Self.secrets[variable], "the broker gets \(variable)")
        }
        let mounts = (rabbitmq["volumes"] as? [String] ?? []).compactMap { $0.split(separator: ":").dropFirst().first.map(String.init) }
        #expect(mounts.contains("/etc/rabbitmq/examhall-setup.sh") && mounts.contains("/etc/rabbitmq/examhall-start.sh"))
        #expect((rabbitmq["command"] as? [String])?.last == "/etc/rabbitmq/examhall-start.sh")
        let start = try String(contentsOf: TestStack.root.appendingPathComponent("deploy/rabbitmq/start.sh"), encoding: .utf8)
        #expect(start.contains("examhall-setup.sh /etc/rabbitmq/definitions.json -- rabbitmqctl"))
        let stack = try String(contentsOf: TestStack.root.appendingPathComponent("scripts/stack"), encoding: .utf8)
        #expect(stack.contains("deploy/rabbitmq/setup.sh"), "the stack creates its users with the same script")
    }

    @Test func brokerDefinitionsGrantWhatTheTopologyNeedsAndNothingMore() throws {
        let data = try Data(contentsOf: TestStack.root.appendingPathComponent("deploy/rabbitmq/definitions.json"))
        let definitions = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let vhosts = (definitions["vhosts"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(vhosts == ["examhall"])
        let exchanges = Set((definitions["exchanges"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        #expect(exchanges == Set(ServiceTopology.exchanges.map(\.name)))
        // No user and no password hash is baked into a file: users and their permissions come from the
        // deployment's secrets when the broker starts (setup.sh, which scripts/stack runs too, so the
        // permission tests against the stack hold it to what it grants).
        #expect(definitions["users"] == nil && definitions["permissions"] == nil, "definitions.json holds users or permissions")
        func matches(_ pattern: String?, _ name: String) -> Bool {
            guard let pattern, let regex = try? NSRegularExpression(pattern: pattern) else { return false }
            return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
        }
        // On the topic exchanges it publishes to, each service may write only its own routing keys.
        let topic = (definitions["topic_permissions"] as? [[String: String]] ?? [])
        func topicWrite(_ user: String, _ exchange: String) -> String? { topic.first { $0["user"] == user && $0["exchange"] == exchange }?["write"] }
        #expect(matches(topicWrite("sessions", "examhall.events"), "booking.confirmed"))
        #expect(!matches(topicWrite("sessions", "examhall.events"), "authorization.opened"))
        #expect(matches(topicWrite("authorizations", "examhall.outbound"), "purchase.rejected"))
        #expect(!matches(topicWrite("authorizations", "examhall.outbound"), "result.verified"))
        #expect(matches(topicWrite("verification", "examhall.outbound"), "result.verified"))
        #expect(!matches(topicWrite("console", "examhall.events"), "booking.confirmed"))
        for name in Self.services.keys {
            for exchange in ["examhall.events", "examhall.outbound"] {
                #expect(topicWrite(name, exchange) != nil, "\(name) has no topic permission on \(exchange): it could publish any routing key")
            }
        }
    }

    @Test func theCommittedDefinitionsHoldTheTopologyTheServicesDeclare() throws {
        let examhall = TestStack.root.appendingPathComponent(".build/debug/examhall")
        let committed = "deploy/rabbitmq/definitions.json"
        let check = try Program.run(examhall, ["topology", "--check", committed], in: TestStack.root)
        #expect(check.status == 0, "\(check.text)")

        // The check fails on a file that lacks one binding of the code's.
        let data = try Data(contentsOf: TestStack.root.appendingPathComponent(committed))
        var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var bindings = try #require(document["bindings"] as? [[String: Any]])
        #expect(bindings.contains { $0["destination"] as? String == "authorizations.inbox" && $0["routing_key"] as? String == "purchase.completed" })
        bindings.removeAll { $0["destination"] as? String == "authorizations.inbox" && $0["routing_key"] as? String == "purchase.completed" }
        document["bindings"] = bindings
        let stale = FileManager.default.temporaryDirectory.appendingPathComponent("definitions-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: document).write(to: stale)
        defer { try? FileManager.default.removeItem(at: stale) }
        #expect(try Program.run(examhall, ["topology", "--check", stale.path], in: TestStack.root).status != 0)

        let policies = Set((document["policies"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        #expect(policies == ["examhall-unroutable", "examhall-inbox-length"])
        let config = try String(contentsOf: TestStack.root.appendingPathComponent("deploy/rabbitmq/rabbitmq.conf"), encoding: .utf8)
        #expect(config.contains("max_message_size = 1048576"), "compose's broker refuses messages over 1 MiB")
    }

    @Test func theAlertRulesLoadAndFireWhenTheyShould() throws {
        let promtool = URL(fileURLWithPath: "/usr/bin/promtool")
        #expect(FileManager.default.isExecutableFile(atPath: promtool.path), "promtool is missing: scripts/stack start installs it (Debian's prometheus)")
        let folder = TestStack.root.appendingPathComponent("deploy/prometheus")
        let config = try Program.run(promtool, ["check", "config", "prometheus.yml"], capture: .both, in: folder)
        #expect(config.status == 0, "\(config.text)")
        // Each alert: silent while all is well, firing with its labels and text once its case holds.
        let tests = try Program.run(promtool, ["test", "rules", "alerts.test.yml"], capture: .both, in: folder)
        #expect(tests.status == 0, "\(tests.text)")
        let rules = try String(contentsOf: folder.appendingPathComponent("alerts.yml"), encoding: .utf8)
        for alert in ["ExamHallDeadLettersGrowing", "ExamHallUnroutableMessages", "ExamHallOutboxStuck", "ExamHallOutboxRefused",
                      "ExamHallInboxDeep", "ExamHallInboxWithoutConsumers", "RabbitMQResourceAlarm", "ExamHallServiceNotReady"] {
            #expect(rules.contains("alert: \(alert)"), "\(alert) missing")
        }
        let compose = try composeConfig()
        let prometheus = try #require((compose["services"] as? [String: [String: Any]])?["prometheus"])
        // This docker-compose writes short volume syntax (source:target:mode).
        let mounts = (prometheus["volumes"] as? [String] ?? []).compactMap { $0.split(separator: ":").dropFirst().first.map(String.init) }
        #expect(mounts.contains("/etc/prometheus/alerts.yml"), "compose's Prometheus loads the rules: \(mounts)")
    }

    @Test func databaseInitCreatesEverySchemaAndRole() throws {
        let script = try String(contentsOf: TestStack.root.appendingPathComponent("deploy/postgres/init.sh"), encoding: .utf8)
        #expect(script.contains("for service in \(["sessions", "authorizations", "verification", "notifications", "console"].joined(separator: " ")); do"))
        #expect(script.contains("CREATE SCHEMA :\"role\" AUTHORIZATION :\"owner\""))
        #expect(script.contains("GRANT USAGE ON SCHEMA :\"role\" TO :\"role\""))
        #expect(script.contains("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
    }
}
