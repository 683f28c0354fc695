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

    /// The compose file as docker-compose itself resolves it (validation included), as JSON.
    func composeConfig() throws -> [String: Any] {
        let config = try Program.run(URL(fileURLWithPath: "/usr/bin/docker-compose"), ["-f", "docker-compose.yml", "config"], in: TestStack.root)
        #expect(config.status == 0, "docker-compose config rejected the file")
        let json = try Program.run(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], input: config.output
        )
        return try #require(try JSONSerialization.jsonObject(with: json.output) as? [String: Any])
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

    @Test func brokerDefinitionsGrantWhatTheTopologyNeedsAndNothingMore() throws {
        let data = try Data(contentsOf: TestStack.root.appendingPathComponent("deploy/rabbitmq/definitions.json"))
        let definitions = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let vhosts = (definitions["vhosts"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(vhosts == ["examhall"])
        let exchanges = Set((definitions["exchanges"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        #expect(exchanges == Set(ServiceTopology.exchanges.map(\.name)))
        let permissions = Dictionary(uniqueKeysWithValues: (definitions["permissions"] as? [[String: String]] ?? []).map { ($0["user"]!, $0) })
        func matches(_ pattern: String?, _ name: String) -> Bool {
            guard let pattern, let regex = try? NSRegularExpression(pattern: pattern) else { return false }
            return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
        }
        for name in Self.services.keys {
            let topology = ServiceTopology(service: name, bindings: [])
            let granted = try #require(permissions[name], "\(name) has no permissions")
            for resource in [topology.inboxQueue, topology.deadQueue] {
                #expect(matches(granted["configure"], resource), "\(name) cannot declare \(resource)")
            }
            for shared in ServiceTopology.exchanges.map(\.name) + [ServiceTopology.unroutable] {
                #expect(!matches(granted["configure"], shared), "\(name) may reconfigure \(shared)")
            }
            #expect(matches(granted["write"], "examhall.events") && matches(granted["write"], "examhall.outbound") && matches(granted["write"], "examhall.dead"))
            #expect(!matches(granted["write"], "examhall.inbound"), "\(name) may not publish as an external system")
            #expect(matches(granted["read"], topology.inboxQueue) && matches(granted["read"], "examhall.inbound"))
            for other in Self.services.keys where other != name {
                #expect(!matches(granted["read"], "\(other).inbox"), "\(name) may read \(other).inbox")
            }
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
        let payment = try #require(permissions["payment-system"])
        #expect(matches(payment["write"], "examhall.inbound"))
        #expect(!matches(payment["write"], "examhall.events") && !matches(payment["read"], "authorizations.inbox"))
        #expect(matches(payment["read"], "examhall.outbound") && matches(payment["configure"], "external-system.results"))
        #expect(!matches(payment["read"], "examhall.events") && !matches(payment["configure"], "examhall.outbound"))
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
