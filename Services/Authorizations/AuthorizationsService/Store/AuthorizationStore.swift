import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// SQL for authorizations, used inside the caller's transaction. Parameterised throughout.
struct AuthorizationStore {
    let connection: PGConnection

    private static let columns = """
        id, purchase_id, candidate_id, exam_code, status, valid_until, booking_id, session_id,
        inactivation_reason, attempt_started_at, created_at, updated_at
        """

    /// What opening a purchase's authorization did.
    struct Opened {
        /// False when the purchase already had its authorization (a re-send).
        let inserted: Bool
        /// The purchase's authorization, new or not.
        var authorizationId: UUID?
        /// The reason of a refund that arrived before the purchase, if one did.
        let earlyRefund: String?
    }

    /// One purchase to open: its new authorization, the candidate it names and the message that carried it.
    struct Opening {
        let authorization: Authorization
        let candidate: CandidateProfile
        let messageId: String
    }

    /// Opens many purchases in one round trip, whatever their number: each candidate recorded if new,
    /// each authorization inserted unless its purchase already has one (also within the batch), its
    /// first history line written only then, and any earlier refund looked up. Results come back in the order of `openings`. Ingestion runs this once per batch of
    /// purchases, so its cost per purchase is a few rows, not a few statements. A known candidate is
    /// left as it is (`candidate.updated` changes contact data): updating it here would lock a row that
    /// concurrent batches share and could deadlock them.
    func open(_ openings: [Opening], actor: String, at now: Date) throws -> [Opened] {
        let rows = try connection.query(
            """
            WITH input AS (
                SELECT * FROM unnest(
                    $1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                    $12::text[]
                ) WITH ORDINALITY AS input (
                    id, purchase_id, candidate_id, exam_code, status, valid_until,
                    first_name, last_name, email, language, time_zone, message_id, position
                )
            ), candidate AS (
                INSERT INTO candidates (external_id, first_name, last_name, email, language, time_zone, updated_at)
                SELECT candidate_id, first_name, last_name, email, language, time_zone, $13 FROM input ORDER BY position
                ON CONFLICT (external_id) DO NOTHING
            ), inserted AS (
                INSERT INTO authorizations (\(Self.columns))
                SELECT id, purchase_id, candidate_id, exam_code, status, valid_until, NULL, NULL, NULL, NULL, $13, $13 FROM input ORDER BY position
                ON CONFLICT (purchase_id) DO NOTHING
                RETURNING id
            ), history AS (
                INSERT INTO authorization_history (authorization_id, from_status, to_status, reason, actor, message_id, at)
                SELECT id, NULL, status, 'purchase completed', $14, message_id, $13 FROM input JOIN inserted USING (id) ORDER BY position
            )
            SELECT inserted.id IS NOT NULL AS inserted, coalesce(inserted.id, existing.id) AS authorization_id,
                early_refunds.reason AS early_refund
            FROM input LEFT JOIN inserted USING (id)
                LEFT JOIN authorizations existing ON existing.purchase_id = input.purchase_id
                LEFT JOIN early_refunds ON early_refunds.purchase_id = input.purchase_id
            ORDER BY position
            """,
            [
                openings.map(\.authorization.id), openings.map(\.authorization.purchaseId), openings.map(\.authorization.candidateId),
                openings.map(\.authorization.examCode), openings.map(\.authorization.status.rawValue), openings.map(\.authorization.validUntil),
                openings.map(\.candidate.firstName), openings.map(\.candidate.lastName), openings.map(\.candidate.email),
                openings.map(\.candidate.language), openings.map(\.candidate.timeZone),
                openings.map(\.messageId), now, actor,
            ]
        )
        var opened = try rows.map {
            Opened(inserted: try $0.decode("inserted"), authorizationId: try $0.decode("authorization_id"), earlyRefund: try $0.decode("early_refund"))
        }
        // A purchase whose authorization this statement could not see: made earlier in the batch, or
        // committed by another transaction after the statement began. A new statement sees both.
        let unseen = opened.indices.filter { opened[$0].authorizationId == nil }
        if !unseen.isEmpty {
            let ids = Dictionary(try connection.query(
                "SELECT purchase_id, id FROM authorizations WHERE purchase_id = ANY($1::text[])", [unseen.map { openings[$0].authorization.purchaseId }]
            ).map { (try $0.decode("purchase_id", as: String.self), try $0.decode("id", as: UUID.self)) }) { first, _ in first }
            for index in unseen { opened[index].authorizationId = ids[openings[index].authorization.purchaseId] }
        }
        return opened
    }

    /// The authorization of a purchase, locked for the rest of the transaction.
    func lock(purchaseId: String) throws -> Authorization? {
        try connection.query("SELECT \(Self.columns) FROM authorizations WHERE purchase_id = $1 FOR UPDATE", [purchaseId])
            .first.map(Self.decode)
    }

    func lock(id: UUID) throws -> Authorization? {
        try connection.query("SELECT \(Self.columns) FROM authorizations WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decode)
    }

    func find(id: UUID) throws -> Authorization? {
        try connection.query("SELECT \(Self.columns) FROM authorizations WHERE id = $1", [id]).first.map(Self.decode)
    }

    /// Open authorizations past `validUntil`, claimed so that replicas expire each exactly once.
    func claimExpired(at now: Date, limit: Int) throws -> [Authorization] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM authorizations
            WHERE status = 'open' AND valid_until IS NOT NULL AND valid_until <= $1
            ORDER BY valid_until LIMIT $2 FOR UPDATE SKIP LOCKED
            """, [now, limit]
        ).map(Self.decode)
    }

    /// Assigned authorizations whose validity has ended before their session starts and whose attempt
    /// has not begun, with that start; claimed so that replicas expire each exactly once.
    func claimExpiredAssignments(at now: Date, limit: Int) throws -> [(authorization: Authorization, sessionStart: Date)] {
        try connection.query(
            """
            SELECT \(Self.columns), session_start FROM authorizations
            WHERE status = 'assigned' AND attempt_started_at IS NULL AND valid_until IS NOT NULL AND valid_until <= $1 AND session_start > $1
            ORDER BY valid_until LIMIT $2 FOR UPDATE SKIP LOCKED
            """, [now, limit]
        ).map { (try Self.decode($0), try $0.decode("session_start")) }
    }

    /// Where the booking an authorization is assigned to now takes place: its session's start.
    func setSessionStart(bookingId: String, _ start: Date) throws {
        try connection.execute("UPDATE authorizations SET session_start = $2 WHERE booking_id = $1 AND status = 'assigned'", [bookingId, start])
    }

    /// A session moved in time: the authorizations booked into it follow.
    func moveSessionStart(sessionId: String, to start: Date) throws {
        try connection.execute("UPDATE authorizations SET session_start = $2 WHERE session_id = $1 AND status = 'assigned'", [sessionId, start])
    }

    struct Filter {
        var status: AuthorizationStatus?
        var examCode: String?
        var candidateId: String?
        var purchaseId: String?
        /// Part of the candidate's name, email address or external id, in any case.
        var query: String?
        var limit: Int
        var offset: Int
    }

    /// A page of authorizations with their candidates' contact data, and how many match in all.
    func list(_ filter: Filter) throws -> (items: [(Authorization, CandidateContact?)], total: Int) {
        let pattern = filter.query.map(QueryValue.containsPattern)
        let rows = try connection.query(
            """
            SELECT \(Self.qualifiedColumns), c.first_name, c.last_name, c.email, c.language, c.time_zone, count(*) OVER () AS total
            FROM authorizations a LEFT JOIN candidates c ON c.external_id = a.candidate_id
            WHERE ($1::text IS NULL OR a.status = $1) AND ($2::text IS NULL OR a.exam_code = $2)
              AND ($3::text IS NULL OR a.candidate_id = $3) AND ($4::text IS NULL OR a.purchase_id = $4)
              AND ($7::text IS NULL OR a.candidate_id ILIKE $7 OR c.email ILIKE $7 OR (c.first_name || ' ' || c.last_name) ILIKE $7)
            ORDER BY a.created_at, a.id LIMIT $5 OFFSET $6
            """, [filter.status?.rawValue, filter.examCode, filter.candidateId, filter.purchaseId, filter.limit, filter.offset, pattern]
        )
        let total = try rows.first?.decode("total", as: Int.self) ?? 0
        return (try rows.map { (try Self.decode($0), try Self.contact($0)) }, total)
    }

    /// The contact data of one authorization's candidate, for staff.
    func contact(of candidateId: String) throws -> CandidateContact? {
        try connection.query("SELECT first_name, last_name, email, language, time_zone FROM candidates WHERE external_id = $1", [candidateId])
            .first.flatMap(Self.contact)
    }

    private static let qualifiedColumns = columns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    private static func contact(_ row: PGRow) throws -> CandidateContact? {
        guard let email: String = try row.decode("email") else { return nil }
        return CandidateContact(
            name: "\(try row.decode("first_name", as: String.self)) \(try row.decode("last_name", as: String.self))", email: email,
            language: try row.decode("language"), timeZone: try row.decode("time_zone")
        )
    }

    /// Saves a status change and its history line together.
    func record(_ authorization: Authorization, change: StatusChange, messageId: String?) throws {
        try connection.execute(
            """
            UPDATE authorizations SET status = $2, booking_id = $3, session_id = $4, inactivation_reason = $5, updated_at = $6
            WHERE id = $1
            """,
            [authorization.id, authorization.status.rawValue, authorization.bookingId, authorization.sessionId,
             authorization.inactivationReason?.rawValue, authorization.updatedAt]
        )
        try appendHistory(authorization.id, change: change, messageId: messageId)
    }

    func appendHistory(_ id: UUID, change: StatusChange, messageId: String?) throws {
        try connection.execute(
            """
            INSERT INTO authorization_history (authorization_id, from_status, to_status, reason, actor, message_id, at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [id, change.from?.rawValue, change.to.rawValue, change.reason, change.actor, messageId, change.at]
        )
    }

    func history(of id: UUID) throws -> [StatusChange] {
        try connection.query(
            "SELECT from_status, to_status, reason, actor, at FROM authorization_history WHERE authorization_id = $1 ORDER BY id", [id]
        ).map { row in
            StatusChange(
                from: try row.decode("from_status", as: String?.self).map { try known(AuthorizationStatus.self, $0, column: "authorization_history.from_status") },
                to: try known(AuthorizationStatus.self, try row.decode("to_status"), column: "authorization_history.to_status"),
                reason: try row.decode("reason"), actor: try row.decode("actor"), at: try row.decode("at")
            )
        }
    }

    /// The attempt of the booking it is assigned to started: it is used from now on.
    func markUsed(id: UUID, bookingId: String, at startedAt: Date) throws {
        try connection.execute(
            "UPDATE authorizations SET attempt_started_at = $3 WHERE id = $1 AND booking_id = $2 AND status = 'assigned' AND attempt_started_at IS NULL",
            [id, bookingId, startedAt]
        )
    }

    /// The assigned booking moved to another session.
    func moveAssignment(id: UUID, bookingId: String, toSession sessionId: String, at now: Date) throws {
        try connection.execute(
            "UPDATE authorizations SET session_id = $3, updated_at = $4 WHERE id = $1 AND booking_id = $2 AND status = 'assigned'",
            [id, bookingId, sessionId, now]
        )
    }

    // MARK: - Ended bookings

    func recordEndedBooking(_ bookingId: String, at now: Date) throws {
        try connection.execute("INSERT INTO ended_bookings (booking_id, ended_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", [bookingId, now])
    }

    func recordVoidedAttempt(bookingId: String, at now: Date) throws {
        try connection.execute("INSERT INTO voided_attempts (booking_id, voided_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", [bookingId, now])
    }

    func attemptVoided(bookingId: String) throws -> Bool {
        try connection.query("SELECT EXISTS (SELECT 1 FROM voided_attempts WHERE booking_id = $1) AS voided", [bookingId])[0].decode("voided")
    }

    /// A voided attempt did not use its authorization after all.
    func clearUse(id: UUID) throws {
        try connection.execute("UPDATE authorizations SET attempt_started_at = NULL WHERE id = $1", [id])
    }

    func hasEnded(bookingId: String) throws -> Bool {
        try connection.query("SELECT EXISTS (SELECT 1 FROM ended_bookings WHERE booking_id = $1) AS ended", [bookingId])[0].decode("ended")
    }

    // MARK: - Candidates and early refunds

    func upsertCandidate(_ candidate: CandidateProfile, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO candidates (external_id, first_name, last_name, email, language, time_zone, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (external_id) DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                email = EXCLUDED.email, language = EXCLUDED.language, time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
            """,
            [candidate.externalId, candidate.firstName, candidate.lastName, candidate.email, candidate.language, candidate.timeZone, now]
        )
    }

    func recordEarlyRefund(purchaseId: String, reason: String, at now: Date) throws {
        try connection.execute(
            "INSERT INTO early_refunds (purchase_id, reason, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [purchaseId, reason, now]
        )
    }

    private static func decode(_ row: PGRow) throws -> Authorization {
        Authorization(
            id: try row.decode("id"),
            purchaseId: try row.decode("purchase_id"),
            candidateId: try row.decode("candidate_id"),
            examCode: try row.decode("exam_code"),
            status: try known(AuthorizationStatus.self, try row.decode("status"), column: "authorizations.status"),
            validUntil: try row.decode("valid_until"),
            bookingId: try row.decode("booking_id"),
            sessionId: try row.decode("session_id"),
            inactivationReason: try row.decode("inactivation_reason", as: String?.self).map { try known(InactivationReason.self, $0, column: "authorizations.inactivation_reason") },
            attemptStartedAt: try row.decode("attempt_started_at"),
            createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at")
        )
    }

    /// The candidate's names and address go; their authorizations and history, by id only, stay.
    func eraseCandidate(_ candidateId: String, at now: Date) throws {
        try connection.execute(
            "UPDATE candidates SET first_name = '', last_name = '', email = '', updated_at = $2 WHERE external_id = $1", [candidateId, now]
        )
    }
}
