import ExamHallServiceKit
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

    /// An email to store, for `enqueue`.
    struct Enqueued {
        let delivery: EmailDelivery
        let key: String
        let message: String?
        let correlationId: String?
    }

    /// Stores rendered emails (`message`), or ones that can never be sent (no message, status failed),
    /// in one statement, in the order given (which is the order senders take them in). For each, false
    /// when the same (occurrence, recipient, kind) is already stored: the email exists once, whatever
    /// redelivers its trigger.
    func enqueue(_ emails: [Enqueued], at now: Date) throws -> [Bool] {
        guard !emails.isEmpty else { return [] }
        let deliveries = emails.map(\.delivery)
        let stored = Set(try connection.query(
            """
            INSERT INTO deliveries (id, dedup_key, trigger_event_id, kind, language, candidate_id, booking_id, recipient, subject, message,
                status, attempts, last_error, next_attempt_at, correlation_id, created_at, updated_at)
            SELECT id, dedup_key, trigger_event_id, kind, language, candidate_id, booking_id, recipient, subject, message,
                status, 0, last_error, next_attempt_at, correlation_id, $15, $15
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                $11::text[], $12::text[], $13::timestamptz[], $14::text[]) WITH ORDINALITY
                AS email(id, dedup_key, trigger_event_id, kind, language, candidate_id, booking_id, recipient, subject, message,
                    status, last_error, next_attempt_at, correlation_id, position)
            ORDER BY position
            ON CONFLICT (dedup_key) DO NOTHING
            RETURNING id::text
            """,
            [deliveries.map(\.id), emails.map(\.key), deliveries.map(\.triggerEventId), deliveries.map(\.kind.rawValue), deliveries.map(\.language),
             deliveries.map(\.candidateId), deliveries.map(\.bookingId), deliveries.map(\.recipient), deliveries.map(\.subject), emails.map(\.message),
             deliveries.map(\.status.rawValue), deliveries.map(\.lastError), deliveries.map(\.nextAttemptAt), emails.map(\.correlationId), now]
        ).map { try $0.decode("id", as: String.self) })
        return deliveries.map { stored.contains($0.id.lowercased()) }
    }

    struct Claimed: Sendable {
        var delivery: EmailDelivery
        var message: String
        var correlationId: String?
    }

    /// Takes up to `limit` due emails written after position `after` (see `enqueued_order`), leased until
    /// `lease`: that keeps other senders (and replicas) off them and is the token the sender's later
    /// updates must match. A sender that dies leaves them to be taken again when the lease runs out.
    /// Returns them in the order they were written, with the position of the last one.
    func claim(after: Int = 0, now: Date, lease: Date, limit: Int) throws -> (emails: [Claimed], position: Int?) {
        let rows = try connection.query(
            """
            UPDATE deliveries SET leased_until = $2 WHERE id IN (
                SELECT id FROM deliveries
                WHERE status = 'queued' AND enqueued_order > $4 AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
                ORDER BY enqueued_order LIMIT $3 FOR UPDATE SKIP LOCKED
            )
            RETURNING \(Self.columns), message, correlation_id, enqueued_order
            """,
            [now, lease, limit, after]
        ).map { row in
            (order: try row.decode("enqueued_order", as: Int.self),
             Claimed(delivery: try Self.decode(row), message: try row.decode("message"), correlationId: try row.decode("correlation_id")))
        }
        // RETURNING comes in no particular order; a candidate's emails go out in the order they were written.
        .sorted { $0.order < $1.order }
        return (rows.map(\.1), rows.last?.order)
    }

    // The updates below find an email by id and lease alone. Only a queued email is ever leased, and
    // every step that takes it out of the queue clears the lease, so a matching lease means queued.
    // Saying `status = 'queued'` as well let the planner pick the partial queue index and walk the
    // whole queue for each email: with thousands waiting, marking an email sent cost milliseconds of
    // database CPU instead of one primary-key lookup.

    /// Extends the lease on those of `ids` still held under `lease`; returns the ids still held.
    func renew(_ ids: [String], lease: Date, until renewed: Date) throws -> Set<String> {
        Set(try connection.query(
            "UPDATE deliveries SET leased_until = $3 WHERE id = ANY($1::uuid[]) AND leased_until = $2 RETURNING id",
            [ids, lease, renewed]
        ).map { try $0.decode("id", as: String.self) })
    }

    /// Gives back emails claimed but not attempted (shutdown, a failure on the way).
    func release(_ ids: [String], lease: Date) throws {
        guard !ids.isEmpty else { return }
        try connection.execute(
            "UPDATE deliveries SET leased_until = NULL WHERE id = ANY($1::uuid[]) AND leased_until = $2", [ids, lease]
        )
    }

    /// An email the mail server accepted, under the lease it was sent with.
    struct SentMark: Sendable {
        let id: String
        let lease: Date
        let attempts: Int
    }

    /// Marks emails sent in one statement. Returns the ids it could not mark because their lease had
    /// run out.
    func markSent(_ marks: [SentMark], at now: Date) throws -> Set<String> {
        guard !marks.isEmpty else { return [] }
        let marked = Set(try connection.query(
            """
            UPDATE deliveries d SET status = 'sent', attempts = m.attempts, sent_at = $4, updated_at = $4, last_error = NULL,
                next_attempt_at = NULL, leased_until = NULL
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int[]) AS m(id, lease, attempts)
            WHERE d.id = m.id AND d.leased_until = m.lease
            RETURNING d.id::text
            """,
            [marks.map(\.id), marks.map(\.lease), marks.map(\.attempts), now]
        ).map { try $0.decode("id", as: String.self) })
        return Set(marks.map(\.id).filter { !marked.contains($0.lowercased()) })
    }

    func markRetry(_ id: String, lease: Date, attempts: Int, error: String, at next: Date, now: Date) throws {
        try connection.execute(
            """
            UPDATE deliveries SET attempts = $3, last_error = $4, next_attempt_at = $5, updated_at = $6, leased_until = NULL
            WHERE id = $1 AND leased_until = $2
            """,
            [id, lease, attempts, error, next, now]
        )
    }

    /// Gives up on an email; false when its lease had run out, so another sender holds it.
    func markFailed(_ id: String, lease: Date, attempts: Int, error: String, at now: Date) throws -> Bool {
        try connection.execute(
            """
            UPDATE deliveries SET status = 'failed', attempts = $3, last_error = $4, next_attempt_at = NULL, updated_at = $5, leased_until = NULL
            WHERE id = $1 AND leased_until = $2
            """,
            [id, lease, attempts, error, now]
        ).affectedRows == 1
    }

    struct Filter: Sendable {
        var candidateId: String?
        var status: DeliveryStatus?
        var kind: NotificationKind?
        var bookingId: String?
        var limit = 100
        var offset = 0
    }

    /// One page of deliveries, newest first, with how many match in all.
    func list(_ filter: Filter) throws -> (items: [EmailDelivery], total: Int) {
        let rows = try connection.query(
            """
            SELECT \(Self.columns), count(*) OVER () AS total FROM deliveries
            WHERE ($1::text IS NULL OR candidate_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
              AND ($4::text IS NULL OR booking_id = $4)
            ORDER BY created_at DESC, id LIMIT $5 OFFSET $6
            """,
            [filter.candidateId, filter.status?.rawValue, filter.kind?.rawValue, filter.bookingId, filter.limit, filter.offset]
        )
        return (try rows.map(Self.decode), try rows.first?.decode("total", as: Int.self) ?? 0)
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
            kind: try known(NotificationKind.self, try row.decode("kind"), column: "deliveries.kind"), language: try row.decode("language"),
            candidateId: try row.decode("candidate_id"), bookingId: try row.decode("booking_id"), recipient: try row.decode("recipient"),
            subject: try row.decode("subject"), status: try known(DeliveryStatus.self, try row.decode("status"), column: "deliveries.status"),
            attempts: try row.decode("attempts"), lastError: try row.decode("last_error"), nextAttemptAt: try row.decode("next_attempt_at"),
            createdAt: try row.decode("created_at"), sentAt: try row.decode("sent_at")
        )
    }

    /// A candidate's emails keep their kind, booking, status and times; the address, the subject and
    /// the stored message go, and one not yet sent never will be.
    func eraseCandidate(_ candidateId: String, at now: Date) throws {
        try connection.execute("""
            UPDATE deliveries SET recipient = NULL, subject = '', message = NULL, updated_at = $2,
                status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
                -- An SMTP server's answer may quote the address (the right-hand sides see the row as it was).
                last_error = CASE WHEN status = 'queued' THEN 'the candidate''s personal data was erased'
                    ELSE replace(last_error, coalesce(recipient, ''), '[erased]') END,
                next_attempt_at = CASE WHEN status = 'queued' THEN NULL ELSE next_attempt_at END
            WHERE candidate_id = $1
            """, [candidateId, now])
    }

    /// Clears the address and body of up to `limit` settled emails created before `cutoff`; returns how many.
    func forgetContent(createdBefore cutoff: Date, limit: Int) throws -> Int {
        try connection.execute("""
            UPDATE deliveries SET recipient = NULL, message = NULL
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE status <> 'queued' AND created_at < $1 AND (recipient IS NOT NULL OR message IS NOT NULL)
                LIMIT $2
            )
            """, [cutoff, limit]).affectedRows
    }
}
