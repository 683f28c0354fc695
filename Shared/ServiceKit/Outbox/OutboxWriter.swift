import ExamHallModels
import ExamHallStorage
import Foundation

/// Writes events into the outbox inside the caller's transaction, with correlation carried over from
/// whatever caused them (an incoming message or an HTTP request). The only code that writes outbox rows:
/// stores hand it rows (`row(_:)`) and it inserts them, so the outbox's shape is known in one place.
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

    /// An outbox row ready to insert, for callers that write several at once with `enqueue(_:on:)`.
    public struct Row: Sendable {
        public let messageId: String
        public let exchange: String
        public let routingKey: String
        public let body: String
        public let correlationId: String?

    }

    /// The envelope and row of `payload`; pass a stable `id` when a retry must produce the same message.
    public func row<P: EventPayload>(_ payload: P, to exchange: Exchange = .events, id: String? = nil) throws -> (CloudEvent<P>, Row) {
        let event = CloudEvent(
            id: id ?? UUID.timeOrdered().uuidString.lowercased(), source: source, time: now,
            correlationid: correlationId, causationid: causationId, data: payload
        )
        let row = Row(
            messageId: event.id, exchange: exchange.rawValue, routingKey: P.type.rawValue,
            body: String(decoding: try event.encoded(), as: UTF8.self), correlationId: event.correlationid
        )
        return (event, row)
    }

    /// Enqueues `payload` as a CloudEvent; pass a stable `id` when a retry must produce the same message.
    @discardableResult
    public func publish<P: EventPayload>(_ payload: P, to exchange: Exchange = .events, id: String? = nil, on connection: PGConnection) throws -> CloudEvent<P> {
        let (event, row) = try self.row(payload, to: exchange, id: id)
        try Self.enqueue([row], on: connection)
        return event
    }

    /// Takes back rows enqueued earlier in the same transaction whose state change did not happen after
    /// all, with one statement whatever their number. (Enqueueing first and taking back the rare
    /// leftovers keeps a round trip out of a transaction's locked part.)
    public static func withdraw(_ rows: [Row], on connection: PGConnection) throws {
        guard !rows.isEmpty else { return }
        try connection.execute("DELETE FROM outbox WHERE message_id = ANY($1::text[]) AND sent_at IS NULL", [rows.map(\.messageId)])
    }

    /// Inserts `rows` in their order with one statement whatever their number. A row whose message id is
    /// already there is left as it is, so a retried step that makes the same stable id enqueues it once.
    public static func enqueue(_ rows: [Row], on connection: PGConnection) throws {
        switch rows.count {
        case 0:
            return
        case 1:
            let row = rows[0]
            try connection.execute(
                """
                INSERT INTO outbox (message_id, exchange, routing_key, body, correlation_id) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (message_id) DO NOTHING
                """,
                [row.messageId, row.exchange, row.routingKey, row.body, row.correlationId]
            )
        default:
            try connection.execute(
                """
                INSERT INTO outbox (message_id, exchange, routing_key, body, correlation_id)
                SELECT message_id, exchange, routing_key, body, correlation_id
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                    WITH ORDINALITY AS row (message_id, exchange, routing_key, body, correlation_id, position)
                ORDER BY position
                ON CONFLICT (message_id) DO NOTHING
                """,
                [rows.map(\.messageId), rows.map(\.exchange), rows.map(\.routingKey), rows.map(\.body), rows.map(\.correlationId)]
            )
        }
    }
}
