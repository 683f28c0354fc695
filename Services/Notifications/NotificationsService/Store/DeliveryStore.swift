import ExamHallStorage
import Foundation

/// One email, from the moment it is rendered until the mail server took it or it was given up on.
struct EmailDelivery: Sendable, Codable {
    /// A lowercase UUID, as every id ExamHall shows.
    var id: String
    var triggerEventId: String
    var kind: NotificationKind
    var language: String
    var candidateId: String
    var bookingId: String?
    var recipient: String?
    var subject: String
    var status: DeliveryStatus
    var attempts: Int
    var lastError: String?
    var nextAttemptAt: Date?
    var createdAt: Date
    var sentAt: Date?
}

/// Deliveries: enqueued in the transaction of the event that caused them, claimed one at a time by
/// senders with SKIP LOCKED, so replicas never send the same email.
struct DeliveryStore {
    let connection: PGConnection

    static let columns = """
        id, trigger_event_id, kind, language, candidate_id, booking_id, recipient, subject, status, attempts, last_error,
        next_attempt_at, created_at, sent_at
        """

    func exists(key: String) throws -> Bool {
        try !connection.query("SELECT 1 FROM deliveries WHERE dedup_key = $1", [key]).isEmpty
    }

    /// Stores a rendered email (`message`) or, with `failure`, one that can never be sent. False when
    /// the same (event, recipient, kind) is already there.
    func enqueue(_ delivery: EmailDelivery, key: String, message: String?, correlationId: String?, at now: Date) throws -> Bool {
        try connection.execute(
            """
            INSERT INTO deliveries (id, dedup_key, trigger_event_id, kind, language, candidate_id, booking_id, recipient, subject, message,
                status, attempts, last_error, next_attempt_at, correlation_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15, $15)
            ON CONFLICT (dedup_key) DO NOTHING
            """,
            [delivery.id, key, delivery.triggerEventId, delivery.kind.rawValue, delivery.language, delivery.candidateId, delivery.bookingId,
             delivery.recipient, delivery.subject, message, delivery.status.rawValue, delivery.lastError, delivery.nextAttemptAt, correlationId, now]
        ).affectedRows == 1
    }

    struct Claimed: Sendable {
        var delivery: EmailDelivery
        var message: String
        var correlationId: String?
    }

    /// The next email due, locked until the caller's transaction ends.
    func claimNext(now: Date) throws -> Claimed? {
        guard let row = try connection.query(
            """
            SELECT \(Self.columns), message, correlation_id FROM deliveries
            WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """,
            [now]
        ).first else { return nil }
        return Claimed(delivery: try Self.decode(row), message: try row.decode("message"), correlationId: try row.decode("correlation_id"))
    }

    func markSent(_ id: String, attempts: Int, at now: Date) throws {
        try connection.execute(
            "UPDATE deliveries SET status = 'sent', attempts = $2, sent_at = $3, updated_at = $3, last_error = NULL, next_attempt_at = NULL WHERE id = $1",
            [id, attempts, now]
        )
    }

    func markRetry(_ id: String, attempts: Int, error: String, at next: Date, now: Date) throws {
        try connection.execute(
            "UPDATE deliveries SET attempts = $2, last_error = $3, next_attempt_at = $4, updated_at = $5 WHERE id = $1",
            [id, attempts, error, next, now]
        )
    }

    func markFailed(_ id: String, attempts: Int, error: String, at now: Date) throws {
        try connection.execute(
            "UPDATE deliveries SET status = 'failed', attempts = $2, last_error = $3, next_attempt_at = NULL, updated_at = $4 WHERE id = $1",
            [id, attempts, error, now]
        )
    }

    struct Filter: Sendable {
        var candidateId: String?
        var status: DeliveryStatus?
        var kind: NotificationKind?
        var bookingId: String?
        var limit = 100
        var offset = 0
    }

    func list(_ filter: Filter) throws -> [EmailDelivery] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM deliveries
            WHERE ($1::text IS NULL OR candidate_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
              AND ($4::text IS NULL OR booking_id = $4)
            ORDER BY created_at DESC, id LIMIT $5 OFFSET $6
            """,
            [filter.candidateId, filter.status?.rawValue, filter.kind?.rawValue, filter.bookingId, filter.limit, filter.offset]
        ).map(Self.decode)
    }

    func find(_ id: UUID) throws -> (EmailDelivery, String?)? {
        try connection.query("SELECT \(Self.columns), message FROM deliveries WHERE id = $1", [id]).first.map { (try Self.decode($0), try $0.decode("message")) }
    }

    func counts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try connection.query("SELECT status, count(*)::int AS n FROM deliveries GROUP BY status") {
            counts[try row.decode("status")] = try row.decode("n")
        }
        return counts
    }

    private static func decode(_ row: PGRow) throws -> EmailDelivery {
        EmailDelivery(
            id: try row.decode("id"), triggerEventId: try row.decode("trigger_event_id"),
            kind: NotificationKind(rawValue: try row.decode("kind")) ?? .bookingConfirmed, language: try row.decode("language"),
            candidateId: try row.decode("candidate_id"), bookingId: try row.decode("booking_id"), recipient: try row.decode("recipient"),
            subject: try row.decode("subject"), status: DeliveryStatus(rawValue: try row.decode("status")) ?? .queued,
            attempts: try row.decode("attempts"), lastError: try row.decode("last_error"), nextAttemptAt: try row.decode("next_attempt_at"),
            createdAt: try row.decode("created_at"), sentAt: try row.decode("sent_at")
        )
    }
}
