import Foundation

/// The whole broker topology of a deployment (exchanges, every service's queues, their bindings and
/// the policies) as RabbitMQ definitions, so it exists before any service starts: the deployment's
/// `definitions.json` and the local stack are made from this, and a test holds them to it.
public struct TopologyDefinitions: Sendable {
    public var vhost: String
    public var services: [ServiceTopology]
    /// Events on `examhall.events` that no service consumes, published for operators and outside
    /// observers: bound to `examhall.observed`, so they are kept (the newest ones) rather than counted
    /// as unroutable.
    public var observedRoutingKeys: [String]
    /// The answers to inbound messages on `examhall.outbound`, also bound to `examhall.observed`: a
    /// payment system that binds no queue for them yet leaves them kept (the newest ones), not unroutable.
    public var observedOutboundKeys: [String]
    /// The routing keys each service's user may publish, by exchange: its topic permissions.
    public var publications: [String: [ServiceTopology.Binding]]

    /// The queue that keeps the newest events published for observers.
    public static let observedQueue = "examhall.observed"
    public static let observedQueueArguments: [String: AMQPValue] = [
        "x-queue-type": .string("quorum"), "x-max-length": .int(10_000), "x-overflow": .string("drop-head"),
    ]

    /// `published` is every routing key services publish on `examhall.events`; those no service binds
    /// are the observed ones.
    public init(
        vhost: String, services: [ServiceTopology], publishedEvents published: [String], outboundOutcomes: [String] = [],
        publications: [String: [ServiceTopology.Binding]] = [:]
    ) {
        self.vhost = vhost
        self.publications = publications
        self.services = services.sorted { $0.service < $1.service }
        let consumed = Set(services.flatMap(\.bindings).filter { $0.exchange == "examhall.events" }.map(\.routingKey))
        observedRoutingKeys = published.filter { !consumed.contains($0) }.sorted()
        observedOutboundKeys = outboundOutcomes.sorted()
    }

    /// The topic exchanges a service publishes to; on each, its user may write only its own routing keys.
    public static let publishedExchanges = ["examhall.events", "examhall.outbound"]

    /// One topic permission per service and published exchange: `write` matches exactly the routing
    /// keys the service publishes there (nothing, when it publishes none); `read` (bindings) is open.
    public var topicPermissions: [[String: Any]] {
        publications.keys.sorted().flatMap { user in
            Self.publishedExchanges.map { exchange -> [String: Any] in
                let keys = (publications[user] ?? []).filter { $0.exchange == exchange }.map(\.routingKey).sorted()
                let write = keys.isEmpty ? "^$" : "^(" + keys.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "|") + ")$"
                return ["user": user, "vhost": vhost, "exchange": exchange, "write": write, "read": ".*"]
            }
        }
    }

    /// The sections `exchanges`, `queues`, `bindings`, `policies` and `topic_permissions` of a definitions document.
    public var sections: [String: Any] {
        let exchanges = ServiceTopology.exchanges.map { exchange -> [String: Any] in
            ["name": exchange.name, "vhost": vhost, "type": exchange.kind, "durable": true, "auto_delete": false, "internal": false, "arguments": [String: Any]()]
        }
        var queues: [[String: Any]] = [
            queue(ServiceTopology.unroutable, ServiceTopology.unroutableQueueArguments), queue(Self.observedQueue, Self.observedQueueArguments),
        ]
        var bindings: [[String: Any]] = [binding(ServiceTopology.unroutable, exchange: ServiceTopology.unroutable, key: "")]
        bindings += observedRoutingKeys.map { binding(Self.observedQueue, exchange: "examhall.events", key: $0) }
        bindings += observedOutboundKeys.map { binding(Self.observedQueue, exchange: "examhall.outbound", key: $0) }
        for service in services {
            queues.append(queue(service.inboxQueue, service.inboxArguments))
            queues.append(queue(service.deadQueue, ServiceTopology.deadQueueArguments))
            bindings.append(binding(service.deadQueue, exchange: ServiceTopology.deadLetterExchange, key: service.deadRoutingKey))
            bindings += service.bindings.map { binding(service.inboxQueue, exchange: $0.exchange, key: $0.routingKey) }
        }
        let policies = ServiceTopology.policies.map { policy -> [String: Any] in
            ["name": policy.name, "vhost": vhost, "pattern": policy.pattern, "apply-to": policy.applyTo, "priority": 0,
             "definition": policy.definition.mapValues(Self.json)]
        }
        return ["exchanges": exchanges, "queues": queues, "bindings": bindings, "policies": policies, "topic_permissions": topicPermissions]
    }

    /// `document` (a whole definitions file) with its topology sections replaced by this one's; users,
    /// permissions and vhosts stay as they are.
    public func merged(into document: [String: Any]) -> [String: Any] {
        document.merging(sections) { _, new in new }
    }

    /// Pretty, key-sorted JSON, as the committed file is written.
    public static func text(_ document: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
    }

    private func queue(_ name: String, _ arguments: [String: AMQPValue]) -> [String: Any] {
        ["name": name, "vhost": vhost, "durable": true, "auto_delete": false, "arguments": arguments.mapValues(Self.json)]
    }

    private func binding(_ queue: String, exchange: String, key: String) -> [String: Any] {
        ["source": exchange, "vhost": vhost, "destination": queue, "destination_type": "queue", "routing_key": key, "arguments": [String: Any]()]
    }

    static func json(_ value: AMQPValue) -> Any {
        switch value {
        case let .string(text): text
        case let .int(number): number
        case let .bool(flag): flag
        case let .double(number): number
        case let .array(values): values.map(json)
        case let .table(table): table.mapValues(json)
        case .void: NSNull()
        }
    }
}
