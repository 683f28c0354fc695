/// The shared exchanges and one service's queues: `<service>.inbox`, a durable quorum queue
/// with an explicit delivery limit, dead-lettering at-least-once to `<service>.dead`.
public struct ServiceTopology: Sendable {
    public struct Binding: Sendable, Hashable {
        public var exchange: String
        public var routingKey: String
        public init(exchange: String, routingKey: String) {
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    /// Exchange name → kind; every service declares them all, idempotently.
    public static let exchanges: [(name: String, kind: String)] = [
        ("examhall.events", "topic"), ("examhall.inbound", "topic"), ("examhall.outbound", "topic"), ("examhall.dead", "direct"),
        ("examhall.unroutable", "fanout"),
    ]
    public static let deadLetterExchange = "examhall.dead"

    /// Where `examhall.events` and `examhall.inbound` send what no binding routes (a routing key nobody
    /// consumes): a fanout exchange and a durable queue of the same name, kept for operators.
    public static let unroutable = "examhall.unroutable"

    /// The most messages an inbox holds; past it the broker refuses new ones (`reject-publish`), which
    /// publishers see as a negative confirm and retry.
    public static let inboxMaxLength = 100_000

    /// A RabbitMQ policy: settings the broker applies to the exchanges or queues whose names match.
    /// Policies, unlike declaration arguments, can change on a running broker.
    public struct Policy: Sendable, Equatable {
        public var name: String
        public var pattern: String
        public var applyTo: String
        public var definition: [String: AMQPValue]
    }

    public static let policies: [Policy] = [
        Policy(
            name: "examhall-unroutable", pattern: "^examhall\\.(events|inbound)$", applyTo: "exchanges",
            definition: ["alternate-exchange": .string(unroutable)]
        ),
        Policy(name: "examhall-inbox-length", pattern: "^[a-z-]+\\.inbox$", applyTo: "queues", definition: ["max-length": .int(Int64(inboxMaxLength))]),
    ]

    public var service: String
    public var bindings: [Binding]
    /// After this many failed deliveries the broker dead-letters the message itself.
    public var deliveryLimit: Int

    public init(service: String, bindings: [Binding], deliveryLimit: Int = 10) {
        self.service = service
        self.bindings = bindings
        self.deliveryLimit = deliveryLimit
    }

    public var inboxQueue: String { "\(service).inbox" }
    public var deadQueue: String { "\(service).dead" }
    /// The routing key on `examhall.dead` that reaches `deadQueue`.
    public var deadRoutingKey: String { service }

    public var inboxArguments: [String: AMQPValue] {
        [
            "x-queue-type": .string("quorum"),
            "x-delivery-limit": .int(Int64(deliveryLimit)),
            "x-dead-letter-exchange": .string(Self.deadLetterExchange),
            "x-dead-letter-routing-key": .string(deadRoutingKey),
            // Without these two RabbitMQ dead-letters at most once and may lose the letter on the way.
            "x-dead-letter-strategy": .string("at-least-once"),
            "x-overflow": .string("reject-publish"),
        ]
    }

    public static let deadQueueArguments: [String: AMQPValue] = ["x-queue-type": .string("quorum")]
    public static let unroutableQueueArguments: [String: AMQPValue] = ["x-queue-type": .string("quorum")]

    /// Declares the service's own queues and binds them. The shared exchanges and queues come from the
    /// deployment's definitions (`scripts/stack`, compose): a service may not configure them.
    public func declare(on connection: AMQPConnection) throws(AMQPError) {
        try connection.declareQueue(deadQueue, arguments: Self.deadQueueArguments)
        try connection.bindQueue(deadQueue, exchange: Self.deadLetterExchange, routingKey: deadRoutingKey)
        try connection.declareQueue(inboxQueue, arguments: inboxArguments)
        for binding in bindings {
            try connection.bindQueue(inboxQueue, exchange: binding.exchange, routingKey: binding.routingKey)
        }
    }
}
