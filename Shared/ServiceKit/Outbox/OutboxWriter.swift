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

    /// An outbox row ready to insert, for callers that fold the insert into a larger statement.
    public struct Row: Sendable {
        public let messageId: String
        public let exchange: String
        public let routingKey: String
        public let body: String
        public let correlationId: String?

        /// The columns in `OutboxWriter.columns` order.
        public var values: [any PostgresEncodable] { [messageId, exchange, routingKey, body, correlationId] }
    }

    public static let columns = "message_id, exchange, routing_key, body, correlation_id"

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
        try connection.execute(
            "INSERT INTO outbox (\(Self.columns)) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING", row.values
        )
        return event
    }
}
