/// A value in an AMQP field table (message headers, queue arguments).
public enum AMQPValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case array([AMQPValue])
    case table([String: AMQPValue])
    case void

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        if case let .int(value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case let .string(value): value
        case let .int(value): String(value)
        case let .bool(value): String(value)
        case let .double(value): String(value)
        case let .array(values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case let .table(table): "{" + table.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .void: "null"
        }
    }
}

/// The properties of a message that ExamHall reads and writes.
public struct MessageProperties: Sendable, Equatable {
    public var messageId: String?
    public var type: String?
    public var contentType: String?
    public var correlationId: String?
    public var headers: [String: AMQPValue]
    public var persistent: Bool

    public init(
        messageId: String? = nil, type: String? = nil, contentType: String? = "application/cloudevents+json",
        correlationId: String? = nil, headers: [String: AMQPValue] = [:], persistent: Bool = true
    ) {
        self.messageId = messageId
        self.type = type
        self.contentType = contentType
        self.correlationId = correlationId
        self.headers = headers
        self.persistent = persistent
    }
}

/// A message to publish.
public struct OutgoingMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: MessageProperties

    public init(exchange: String, routingKey: String, body: [UInt8], properties: MessageProperties) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
    }
}

/// A message received from a queue, not yet acknowledged.
public struct Delivery: Sendable, Equatable {
    public var deliveryTag: UInt64
    public var exchange: String
    public var routingKey: String
    public var redelivered: Bool
    public var body: [UInt8]
    public var properties: MessageProperties

    public init(deliveryTag: UInt64, exchange: String, routingKey: String, redelivered: Bool, body: [UInt8], properties: MessageProperties) {
        self.deliveryTag = deliveryTag
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.body = body
        self.properties = properties
    }

    /// How often the quorum queue has handed this message out before (`x-delivery-count`).
    public var previousDeliveries: Int { Int(properties.headers["x-delivery-count"]?.intValue ?? 0) }
}
