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

/// A handler that can also apply many events of its type at once, with set-based statements instead of
/// a few per event: ingestion of a stream of purchases is then a handful of round trips per batch, not
/// hundreds. The inbox processor calls `handleBatch` with the fresh messages of a clean batch (each run
/// of consecutive messages of this type, so the order of events stays as delivered) and `handle` when a
/// failed batch is retried one message at a time. Both must have the same effects.
public protocol BatchEventHandler: EventHandler {
    func handleBatch(_ events: [(event: CloudEvent<Event>, context: HandlerContext)], on connection: PGConnection) throws
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

extension HandlerRejection {
    /// The UUID an event's `field` holds; a message naming one that is not is rejected with the reason.
    public static func uuid(_ text: String, field: String) throws(HandlerRejection) -> UUID {
        guard let id = UUID(uuidString: text) else { throw HandlerRejection("\(field) '\(text)' is not a UUID") }
        return id
    }
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
            return PreparedMessage(metadata: event.metadata, event: event) { context in try handler.handle(event, context: context) }
        }
    }

    public mutating func register<H: BatchEventHandler>(_ handler: H, from exchange: Exchange = .events) {
        let binding = ServiceTopology.Binding(exchange: exchange.rawValue, routingKey: H.Event.type.rawValue)
        let batch = BatchApplier(binding: binding) { messages, connection in
            let events = messages.map { (event: $0.event as! CloudEvent<H.Event>, context: $0.context) }
            try handler.handleBatch(events, on: connection)
        }
        entries[binding] = Entry { body throws(EnvelopeError) in
            let event = try EnvelopeDecoder.decode(H.Event.self, from: body)
            return PreparedMessage(metadata: event.metadata, event: event, batch: batch) { context in try handler.handle(event, context: context) }
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
    /// The decoded `CloudEvent`, handed back to a batch handler of its type.
    let event: any Sendable
    /// Present when the handler of this type applies batches.
    var batch: BatchApplier?
    let apply: @Sendable (HandlerContext) throws -> Void
    /// How often the broker delivered it before (`x-delivery-count`).
    var previousDeliveries = 0

    init(metadata: EnvelopeMetadata, event: any Sendable, batch: BatchApplier? = nil, apply: @escaping @Sendable (HandlerContext) throws -> Void) {
        self.metadata = metadata
        self.event = event
        self.batch = batch
        self.apply = apply
    }
}

/// A batch handler, type-erased: applies consecutive messages of one binding together.
struct BatchApplier: Sendable {
    let binding: ServiceTopology.Binding
    let apply: @Sendable ([(event: any Sendable, context: HandlerContext)], PGConnection) throws -> Void
}
