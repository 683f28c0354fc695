import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// SQL for bookings and for the projections they are decided from (candidates, authorizations),
/// used inside the caller's transaction.
struct BookingStore {
    let connection: PGConnection

    // MARK: - Bookings

    private static let bookingColumns = """
        id, session_id, candidate_id, exam_code, authorization_id, status, waitlist_position, payment_expires_at,
        payment_id, end_reason, created_by, created_at, updated_at
        """

    /// Inserts `booking`; a waitlisted one gets the next place in line.
    func insert(_ booking: Booking) throws -> Booking {
        let row = try connection.query(
            """
            INSERT INTO bookings (\(Self.bookingColumns))
            VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'waitlisted' THEN nextval('waitlist_positions') END, $7, $8, $9, $10, $11, $12)
            RETURNING \(Self.bookingColumns)
            """,
            [booking.id, booking.sessionId, booking.candidateId, booking.examCode, booking.authorizationId, booking.status.rawValue,
             booking.paymentExpiresAt, booking.paymentId, booking.endReason, booking.createdBy, booking.createdAt, booking.updatedAt]
        )[0]
        return try Self.decode(row)
    }

    enum Placement: Equatable {
        case placed
        /// The session is full or no longer scheduled: nothing was written.
        case noSeat
        /// The seat was taken but the authorization was no longer Open: roll back.
        case authorizationTaken
    }

    /// A booking to place, with its event and the contact data that came with the request.
    struct Proposal {
        let booking: Booking
        let event: OutboxWriter.Row
        let contact: CandidateContact?
    }

    /// Places a confirmed or held booking in one statement: the seat (a conditional update on the
    /// session, the same one that makes overbooking impossible), the authorization claim, the booking,
    /// its event and the candidate's contact data. Nothing but the contact is written without a seat.
    func place(_ booking: Booking, event: OutboxWriter.Row, contact: CandidateContact?, at now: Date) throws -> Placement {
        try place([Proposal(booking: booking, event: event, contact: contact)], at: now)[0]
    }

    /// Places many bookings in one pipeline (one round trip), each as `place` does alone, in order:
    /// the seats they take stay locked for that one round trip rather than one per booking.
    func place(_ proposals: [Proposal], at now: Date) throws -> [Placement] {
        let results = try connection.pipeline(proposals.map { proposal in
            let booking = proposal.booking
            return PGConnection.Statement(
                Self.placeStatement,
                [booking.id, booking.sessionId, booking.candidateId, booking.examCode, booking.authorizationId, booking.status.rawValue,
                 booking.paymentExpiresAt, booking.createdBy, now] + proposal.event.values
                    + [proposal.contact?.name, proposal.contact?.email, proposal.contact?.language, proposal.contact?.timeZone]
            )
        })
        return try results.map { result in
            let row = result.rows[0]
            if try row.decode("booked", as: Bool.self) { return .placed }
            return try row.decode("seated", as: Bool.self) ? .authorizationTaken : .noSeat
        }
    }

    private static let placeStatement = """
        WITH seat AS (
            UPDATE sessions SET seats_taken = seats_taken + 1
            WHERE id = $2 AND status = 'scheduled' AND (capacity IS NULL OR seats_taken < capacity)
            RETURNING id
        ), claim AS (
            UPDATE authorizations SET status = 'assigned', booking_id = $1, updated_at = $9
            WHERE $5::uuid IS NOT NULL AND id = $5 AND status = 'open' AND EXISTS (SELECT 1 FROM seat)
            RETURNING id
        ), booking AS (
            INSERT INTO bookings (\(bookingColumns))
            SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::uuid, $6::text, NULL, $7::timestamptz, NULL, NULL, $8::text,
                $9::timestamptz, $9::timestamptz FROM seat
            WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM claim)
            RETURNING id
        ), event AS (
            INSERT INTO outbox (\(OutboxWriter.columns)) SELECT $10::text, $11::text, $12::text, $13::text, $14::text FROM booking
        ), candidate AS (
            INSERT INTO candidates (external_id, name, email, language, time_zone, updated_at)
            SELECT $3::text, $15::text, $16::text, $17::text, $18::text, $9::timestamptz WHERE $15::text IS NOT NULL
            ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, language = EXCLUDED.language,
                time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
            WHERE (candidates.name, candidates.email, candidates.language, candidates.time_zone)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.language, EXCLUDED.time_zone)
        )
        SELECT EXISTS (SELECT 1 FROM seat) AS seated, EXISTS (SELECT 1 FROM booking) AS booked
        """

    /// Saves the booking's session, status, authorization and payment fields.
    func update(_ booking: Booking) throws {
        try connection.execute(
            """
            UPDATE bookings SET session_id = $2, authorization_id = $3, status = $4,
                waitlist_position = CASE WHEN $4 = 'waitlisted' THEN waitlist_position END,
                payment_expires_at = $5, payment_id = $6, end_reason = $7, updated_at = $8
            WHERE id = $1
            """,
            [booking.id, booking.sessionId, booking.authorizationId, booking.status.rawValue, booking.paymentExpiresAt,
             booking.paymentId, booking.endReason, booking.updatedAt]
        )
    }

    func find(_ id: UUID) throws -> Booking? {
        try connection.query("SELECT \(Self.bookingColumns) FROM bookings WHERE id = $1", [id]).first.map(Self.decode)
    }

    /// Locks the booking. Callers lock its session first (sessions before bookings, always), so
    /// cancellations, promotions and transfers of one session never deadlock each other.
    func lock(_ id: UUID) throws -> Booking? {
        try connection.query("SELECT \(Self.bookingColumns) FROM bookings WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decode)
    }

    /// Whose facts to read, for `facts(_:)`.
    struct FactsQuery {
        let candidateId: String
        let examCode: String
        let sessionId: UUID
        let withOpenAuthorization: Bool
    }

    /// What a booking decision needs to know about each candidate, for many in one statement, in the
    /// order asked.
    func facts(_ queries: [FactsQuery]) throws -> [BookingRules.CandidateFacts] {
        let rows = try connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM bookings b WHERE b.candidate_id = q.candidate_id AND b.exam_code = q.exam_code
                               AND b.status IN ('confirmed', 'awaiting-payment')) AS active,
                   EXISTS (SELECT 1 FROM bookings b WHERE b.candidate_id = q.candidate_id AND b.session_id = q.session_id
                               AND b.status = 'waitlisted') AS waitlisted,
                   a.id, a.purchase_id, a.candidate_id, a.exam_code, a.status, a.booking_id
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::boolean[]) WITH ORDINALITY
                AS q (candidate_id, exam_code, session_id, with_authorization, position)
            LEFT JOIN LATERAL (
                SELECT \(Self.authorizationColumns) FROM authorizations
                WHERE q.with_authorization AND candidate_id = q.candidate_id AND exam_code = q.exam_code AND status = 'open'
                ORDER BY updated_at, id LIMIT 1
            ) AS a ON true
            ORDER BY q.position
            """,
            [queries.map(\.candidateId), queries.map(\.examCode), queries.map(\.sessionId), queries.map(\.withOpenAuthorization)]
        )
        return try rows.map { row in
            let hasAuthorization = try row.decode("id", as: UUID?.self) != nil
            return BookingRules.CandidateFacts(
                hasActiveBookingForExam: try row.decode("active"), isWaitlistedHere: try row.decode("waitlisted"),
                openAuthorization: hasAuthorization ? try Self.decodeAuthorization(row) : nil
            )
        }
    }

    /// The next waitlist entries of a session, in line order, locked.
    func waitlist(of sessionId: UUID, limit: Int) throws -> [Booking] {
        try connection.query(
            """
            SELECT \(Self.bookingColumns) FROM bookings WHERE session_id = $1 AND status = 'waitlisted'
            ORDER BY waitlist_position LIMIT $2 FOR UPDATE
            """, [sessionId, limit]
        ).map(Self.decode)
    }

    /// Every active booking of a session (for cancelling the session), locked.
    func activeBookings(of sessionId: UUID) throws -> [Booking] {
        try connection.query(
            """
            SELECT \(Self.bookingColumns) FROM bookings WHERE session_id = $1
              AND status IN ('confirmed', 'awaiting-payment', 'waitlisted') ORDER BY created_at, id FOR UPDATE
            """, [sessionId]
        ).map(Self.decode)
    }

    /// The active booking connected to an authorization, if any.
    func activeBooking(authorizationId: UUID) throws -> Booking? {
        try connection.query(
            "SELECT \(Self.bookingColumns) FROM bookings WHERE authorization_id = $1 AND status IN ('confirmed', 'awaiting-payment')",
            [authorizationId]
        ).first.map(Self.decode)
    }

    /// Seats held for payment past their time: candidates for expiry, each re-checked under its session's lock.
    func duePayments(at now: Date, limit: Int) throws -> [(bookingId: UUID, sessionId: UUID)] {
        try connection.query(
            """
            SELECT id, session_id FROM bookings WHERE status = 'awaiting-payment' AND payment_expires_at <= $1
            ORDER BY payment_expires_at LIMIT $2
            """, [now, limit]
        ).map { (try $0.decode("id"), try $0.decode("session_id")) }
    }

    struct Filter {
        var candidateId: String?
        var sessionId: UUID?
        var status: BookingStatus?
        var limit = 100
        var offset = 0
    }

    func bookings(_ filter: Filter) throws -> [Booking] {
        try connection.query(
            """
            SELECT \(Self.bookingColumns) FROM bookings
            WHERE ($1::text IS NULL OR candidate_id = $1) AND ($2::uuid IS NULL OR session_id = $2) AND ($3::text IS NULL OR status = $3)
            ORDER BY created_at, id LIMIT $4 OFFSET $5
            """, [filter.candidateId, filter.sessionId, filter.status?.rawValue, filter.limit, filter.offset]
        ).map(Self.decode)
    }

    private static func decode(_ row: PGRow) throws -> Booking {
        Booking(
            id: try row.decode("id"), sessionId: try row.decode("session_id"), candidateId: try row.decode("candidate_id"),
            examCode: try row.decode("exam_code"), authorizationId: try row.decode("authorization_id"),
            status: BookingStatus(rawValue: try row.decode("status")) ?? .cancelled, waitlistPosition: try row.decode("waitlist_position"),
            paymentExpiresAt: try row.decode("payment_expires_at"), paymentId: try row.decode("payment_id"),
            endReason: try row.decode("end_reason"), createdBy: try row.decode("created_by"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at")
        )
    }

    // MARK: - Authorizations (projection)

    private static let authorizationColumns = "id, purchase_id, candidate_id, exam_code, status, booking_id"

    /// Records an authorization the first time any event names it. Events may arrive out of order, so a
    /// later status already recorded is never overwritten by `opened`.
    func recordAuthorization(_ ref: AuthorizationRef, status: AuthorizationStatus, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO authorizations (id, purchase_id, candidate_id, exam_code, status, booking_id, updated_at)
            VALUES ($1, $2, $3, $4, $5, NULL, $6) ON CONFLICT (id) DO NOTHING
            """, [UUID(uuidString: ref.authorizationId), ref.purchaseId, ref.candidateId, ref.examCode, status.rawValue, now]
        )
    }

    func authorization(_ id: UUID) throws -> ProjectedAuthorization? {
        try connection.query("SELECT \(Self.authorizationColumns) FROM authorizations WHERE id = $1", [id]).first.map(Self.decodeAuthorization)
    }

    /// Claims an Open authorization for a booking; false when another booking got it first.
    func claim(authorizationId: UUID, for bookingId: UUID, at now: Date) throws -> Bool {
        try connection.execute(
            "UPDATE authorizations SET status = 'assigned', booking_id = $2, updated_at = $3 WHERE id = $1 AND status = 'open'",
            [authorizationId, bookingId, now]
        ).affectedRows == 1
    }

    /// Gives an authorization back when its booking ends (unless it became Inactive meanwhile).
    func release(authorizationId: UUID, from bookingId: UUID, at now: Date) throws {
        try connection.execute(
            "UPDATE authorizations SET status = 'open', booking_id = NULL, updated_at = $3 WHERE id = $1 AND booking_id = $2 AND status = 'assigned'",
            [authorizationId, bookingId, now]
        )
    }

    /// Takes the owner's word for an authorization's status (after it refused an assignment).
    func setStatus(authorizationId: UUID, _ status: AuthorizationStatus, at now: Date) throws {
        try connection.execute(
            "UPDATE authorizations SET status = $2, booking_id = NULL, updated_at = $3 WHERE id = $1 AND status <> 'inactive'",
            [authorizationId, status.rawValue, now]
        )
    }

    func markInactive(authorizationId: UUID, at now: Date) throws {
        try connection.execute(
            "UPDATE authorizations SET status = 'inactive', booking_id = NULL, updated_at = $2 WHERE id = $1", [authorizationId, now]
        )
    }

    private static func decodeAuthorization(_ row: PGRow) throws -> ProjectedAuthorization {
        ProjectedAuthorization(
            id: try row.decode("id"), purchaseId: try row.decode("purchase_id"), candidateId: try row.decode("candidate_id"),
            examCode: try row.decode("exam_code"), status: AuthorizationStatus(rawValue: try row.decode("status")) ?? .inactive,
            bookingId: try row.decode("booking_id")
        )
    }

    // MARK: - Candidates (projection)

    /// Stores contact data. `replace` false keeps what is already known (event replays must not roll back
    /// a newer `candidate.updated`).
    func saveCandidate(_ id: String, _ contact: CandidateContact, replace: Bool, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO candidates (external_id, name, email, language, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (external_id) DO \(replace ? """
                UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, language = EXCLUDED.language,
                time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
                WHERE (candidates.name, candidates.email, candidates.language, candidates.time_zone)
                    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.language, EXCLUDED.time_zone)
                """ : "NOTHING")
            """, [id, contact.name, contact.email, contact.language, contact.timeZone, now]
        )
    }

    func candidate(_ id: String) throws -> CandidateContact? {
        try connection.query("SELECT name, email, language, time_zone FROM candidates WHERE external_id = $1", [id]).first.map { row in
            CandidateContact(name: try row.decode("name"), email: try row.decode("email"), language: try row.decode("language"), timeZone: try row.decode("time_zone"))
        }
    }
}
