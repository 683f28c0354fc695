import ExamHallMessaging
import ExamHallModels
import ExamHallStorage

/// The handlers of one service, by the exchange and routing key they consume.
public struct HandlerRegistry: Sendable {
    struct Entry: Sendable {
        let prepare: @Sendable ([UInt8]) throws(EnvelopeError) -> PreparedMessage
        /// How this service answers the sender when it refuses a message of this binding; nil when it does not.
        let answer: (any RejectionEvent.Type)?
    }

    private(set) var entries: [ServiceTopology.Binding: Entry] = [:]

    public init() {}

    /// `answering`: this service tells the sender of an inbound message it refuses, with the rejection
    /// event of the message's family (`purchase.rejected` for `purchase.*`). One service answers each
    /// inbound type.
    public mutating func register<H: EventHandler>(_ handler: H, from exchange: Exchange = .events, answering: Bool = false) {
        let binding = ServiceTopology.Binding(exchange: exchange.rawValue, routingKey: H.Event.type.rawValue)
        entries[binding] = Entry(prepare: { body throws(EnvelopeError) in
            let event = try EnvelopeDecoder.decode(H.Event.self, from: body)
            return PreparedMessage(metadata: event.metadata, event: event) { context in try handler.handle(event, context: context) }
        }, answer: Self.answer(H.Event.type, answering))
    }

    public mutating func register<H: BatchEventHandler>(_ handler: H, from exchange: Exchange = .events, answering: Bool = false) {
        let binding = ServiceTopology.Binding(exchange: exchange.rawValue, routingKey: H.Event.type.rawValue)
        let batch = BatchApplier(binding: binding) { messages, connection in
            let events = messages.map { (event: $0.event as! CloudEvent<H.Event>, context: $0.context) }
            try handler.handleBatch(events, on: connection)
        }
        entries[binding] = Entry(prepare: { body throws(EnvelopeError) in
            let event = try EnvelopeDecoder.decode(H.Event.self, from: body)
            return PreparedMessage(metadata: event.metadata, event: event, batch: batch) { context in try handler.handle(event, context: context) }
        }, answer: Self.answer(H.Event.type, answering))
    }

    private static func answer(_ type: EventType, _ answering: Bool) -> (any RejectionEvent.Type)? {
        guard answering else { return nil }
        guard let event = InboundRejection.event(answering: type) else { preconditionFailure("ExamHall has no rejection event for '\(type)'") }
        return event
    }

    /// The rejection events this service may publish on `examhall.outbound`, one per answered family.
    public var answers: [EventType] { Array(Set(entries.values.compactMap { $0.answer?.type })).sorted { $0.rawValue < $1.rawValue } }

    public var bindings: [ServiceTopology.Binding] { entries.keys.sorted { ($0.exchange, $0.routingKey) < ($1.exchange, $1.routingKey) } }
    public var isEmpty: Bool { entries.isEmpty }
}
