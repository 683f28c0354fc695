import ArgumentParser
import AuthorizationsService
import ConsoleService
import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import Foundation
import NotificationsService
import SessionsService
import VerificationService

/// The broker topology the services declare, from the code's single source (the exchanges of
/// `ServiceTopology` and each service's handler registry), as RabbitMQ definitions: printed, written
/// into a deployment's definitions file, or checked against one.
struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print, write or check the exchanges, queues, bindings, policies and topic permissions every service needs.",
        discussion: """
            Reads EXAMHALL_DELIVERY_LIMIT as the services do. With neither option, prints the topology sections
            as JSON. `scripts/stack` and compose load them from deploy/rabbitmq/definitions.json before any
            service starts.
            """
    )

    @Option(name: .customLong("definitions"), help: "Rewrite the topology sections of this definitions file; users, permissions and vhosts stay.")
    var definitionsFile: String?

    @Option(name: .customLong("check"), help: "Exit 1 when this definitions file's topology differs from the code's.")
    var checkFile: String?

    @Option(help: "The virtual host.")
    var vhost = "examhall"

    func run() throws {
        let registries = try Self.registries()
        let definitions = TopologyDefinitions(
            vhost: vhost, services: Self.services(registries), publishedEvents: EventCatalog.events.map(\.type.rawValue),
            outboundOutcomes: EventCatalog.outcomes.map(\.type.rawValue), publications: Self.publications(registries.services)
        )
        if let path = definitionsFile {
            let document = try Self.read(path)
            try TopologyDefinitions.text(definitions.merged(into: document)).write(toFile: path, atomically: true, encoding: .utf8)
            print("wrote the topology of \(definitions.services.count) services into \(path)")
        } else if let path = checkFile {
            let document = try Self.read(path)
            let expected = try TopologyDefinitions.text(definitions.merged(into: document))
            guard try TopologyDefinitions.text(document) == expected else {
                throw CLIError("\(path) does not hold the topology the services declare; run: examhall topology --definitions \(path)")
            }
            print("\(path) holds the topology the services declare")
        } else {
            print(try TopologyDefinitions.text(definitions.sections), terminator: "")
        }
    }

    /// Every service that consumes from the bus, with the bindings its handlers need.
    static func services() throws -> [ServiceTopology] {
        services(try registries())
    }

    static func services(_ registries: (services: [(name: String, registry: HandlerRegistry)], deliveryLimit: Int)) -> [ServiceTopology] {
        registries.services.map { ServiceTopology(service: $0.name, bindings: $0.registry.bindings, deliveryLimit: registries.deliveryLimit) }
    }

    /// What each service publishes: the catalog's events, and the rejections its answering handlers send.
    static func publications(_ registries: [(name: String, registry: HandlerRegistry)]) -> [String: [ServiceTopology.Binding]] {
        var publications: [String: [ServiceTopology.Binding]] = [:]
        for (name, registry) in registries {
            let events = (EventCatalog.publishers[name] ?? []).map { ServiceTopology.Binding(exchange: $0.exchange.rawValue, routingKey: $0.type.rawValue) }
            let answers = registry.answers.map { ServiceTopology.Binding(exchange: Exchange.outbound.rawValue, routingKey: $0.rawValue) }
            publications[name] = events + answers
        }
        return publications
    }

    /// Each service's handler registry, as the service builds it.
    static func registries() throws -> (services: [(name: String, registry: HandlerRegistry)], deliveryLimit: Int) {
        // Only the settings that shape the handlers' bindings are read here; nothing connects, so the
        // production rules for credentials and TLS do not apply.
        let environment = ProcessInfo.processInfo.environment.merging(["EXAMHALL_ENV": "development"]) { $1 }
        func configuration(_ service: String) throws -> ServiceConfiguration {
            try ServiceConfiguration.load(service: service, defaultHTTPPort: 8080, environment: environment)
        }
        let sessions = try configuration("sessions")
        let notifications = try configuration("notifications")
        let registries: [(name: String, registry: HandlerRegistry)] = [
            ("sessions", SessionsService.handlers(paymentWindow: sessions.paymentWindow)),
            ("authorizations", AuthorizationsService.handlers()),
            ("verification", VerificationService.handlers()),
            ("notifications", NotificationsService.handlers(settings: try NotificationSettings.load(notifications, environment: environment))),
            ("console", ConsoleService.handlers()),
        ]
        return (registries, sessions.deliveryLimit)
    }

    static func read(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw CLIError("\(path) is not a JSON object") }
        return document
    }
}
