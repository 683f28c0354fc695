import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation
import Logging

/// Reacts to one event type inside the batch's database transaction: load, decide (a pure function),
/// store and write the outbox through `context`. Throw `HandlerRejection` for input that can never be
/// applied; any other error returns the message to the queue.
public protocol EventHandler: Sendable {
    associatedtype Event: EventPayload
    func handle(_ event: CloudEvent<Event>, context: HandlerContext) throws
}

/// What a handler works with: the transaction's connection, the time, and an outbox that carries
/// the incoming message's correlation id onwards.
public struct HandlerContext {
    public let connection: PGConnection
    public let now: Date
    public let logger: Logger
    public let outbox: OutboxWriter

    /// Enqueues an event caused by the message being handled.
    @discardableResult
    public func publish<P: EventPayload>(_ payload: P, to exchange: Exchange = .events, id: String? = nil) throws -> CloudEvent<P> {
        try outbox.publish(payload, to: exchange, id: id, on: connection)
    }
}

/// Input that is well-formed but can never be applied (e.g. it contradicts a rule): dead-lettered with `reason`.
public struct HandlerRejection: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The handlers of one service, by the exchange and routing key they consume.
public struct HandlerRegistry: Sendable {
    struct Entry: Sendable {
        let prepare: @Sendable ([UInt8]) throws(EnvelopeError) -> PreparedMessage
    }

    private(set) var entries: [ServiceTopology.Binding: Entry] = [:]

    public init() {}

    public mutating func register<H: EventHandler>(_ handler: H, from exchange: Exchange = .events) {
        let binding = ServiceTopology.Binding(exchange: exchange.rawValue, routingKey: H.Event.type.rawValue)
        entries[binding] = Entry { body throws(EnvelopeError) in
            let event = try EnvelopeDecoder.decode(H.Event.self, from: body)
            return PreparedMessage(metadata: event.metadata) { context in try handler.handle(event, context: context) }
        }
    }

    public var bindings: [ServiceTopology.Binding] { entries.keys.sorted { ($0.exchange, $0.routingKey) < ($1.exchange, $1.routingKey) } }
    public var isEmpty: Bool { entries.isEmpty }

    func entry(for delivery: Delivery) -> Entry? {
        entries[Self.route(of: delivery)]
    }

    /// Where a delivery was first published. A dead letter replayed by an operator arrives through the
    /// default exchange (only the admin user may publish there) carrying its original exchange and key.
    static func route(of delivery: Delivery) -> ServiceTopology.Binding {
        if delivery.exchange.isEmpty,
           let exchange = delivery.properties.headers[DeadLetter.originalExchangeHeader]?.stringValue,
           let routingKey = delivery.properties.headers[DeadLetter.originalRoutingKeyHeader]?.stringValue {
            return ServiceTopology.Binding(exchange: exchange, routingKey: routingKey)
        }
        return ServiceTopology.Binding(exchange: delivery.exchange, routingKey: delivery.routingKey)
    }
}

/// A decoded, validated message ready to apply.
struct PreparedMessage: Sendable {
    let metadata: EnvelopeMetadata
    let apply: @Sendable (HandlerContext) throws -> Void
    /// How often the broker delivered it before (`x-delivery-count`).
    var previousDeliveries = 0
}
