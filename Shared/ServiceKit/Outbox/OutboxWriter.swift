import ExamHallModels
import ExamHallStorage
import Foundation

/// Writes events into the outbox inside the caller's transaction, with correlation carried over from
/// whatever caused them (an incoming message or an HTTP request).
public struct OutboxWriter: Sendable {
    public let source: String
    public let correlationId: String?
    public let causationId: String?
    public let now: Date

    public init(source: String, correlationId: String?, causationId: String?, now: Date) {
        self.source = source
        self.correlationId = correlationId
        self.causationId = causationId
        self.now = now
    }

    /// Enqueues `payload` as a CloudEvent; pass a stable `id` when a retry must produce the same message.
    @discardableResult
    public func publish<P: EventPayload>(_ payload: P, to exchange: Exchange = .events, id: String? = nil, on connection: PGConnection) throws -> CloudEvent<P> {
        let event = CloudEvent(
            id: id ?? UUID().uuidString.lowercased(), source: source, time: now,
            correlationid: correlationId, causationid: causationId, data: payload
        )
        try connection.execute(
            """
            INSERT INTO outbox (message_id, exchange, routing_key, body, correlation_id)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING
            """,
            [event.id, exchange.rawValue, P.type.rawValue, String(decoding: try event.encoded(), as: UTF8.self), event.correlationid]
        )
        return event
    }
}
