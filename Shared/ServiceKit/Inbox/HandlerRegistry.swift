import ExamHallMessaging
import ExamHallModels
import ExamHallStorage

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
}
