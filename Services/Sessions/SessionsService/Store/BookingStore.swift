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
        payment_id, end_reason, attempt_started_at, created_by, created_at, updated_at
        """

    /// Inserts `booking`; a waitlisted one gets the next place in line.
    /// What a booking's history line records of it.
    static func snapshot(_ table: String) -> String {
        """
        jsonb_build_object('status', \(table).status, 'sessionId', \(table).session_id, 'authorizationId', \(table).authorization_id,
            'paymentExpiresAt', \(table).payment_expires_at, 'endReason', \(table).end_reason)
        """
    }

    func insert(_ booking: Booking) throws -> Booking {
        let row = try connection.query(
            """
            INSERT INTO bookings (\(Self.bookingColumns))
            VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'waitlisted' THEN nextval('waitlist_positions') END, $7, $8, $9, NULL, $10, $11, $12)
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

    /// A booking to place, with the contact data that came with the request.
    struct Proposal {
        let booking: Booking
        let contact: CandidateContact?
    }

    /// Places a confirmed or held booking in one statement: the seat (a conditional update on the
    /// session, the same one that makes overbooking impossible), the authorization claim, the booking and
    /// the candidate's contact data. Nothing but the contact is written without a seat.
    func place(_ booking: Booking, contact: CandidateContact?, at now: Date) throws -> Placement {
        try place([Proposal(booking: booking, contact: contact)], at: now)[0]
    }

    /// Places many bookings in one statement, each as `place` does alone. A session's seats are taken
    /// for all of its bookings in the statement at once or, when they do not all fit, for none of
    /// them: those then take the slow path one by one under the session's lock, which seats as many as
    /// fit. One statement per batch rather than one per booking: the session row is updated once, and
    /// the executor is set up once for the lot.
    func place(_ proposals: [Proposal], at now: Date) throws -> [Placement] {
        guard !proposals.isEmpty else { return [] }
        let bookings = proposals.map(\.booking)
        let contacts = proposals.map(\.contact)
        let rows = try connection.query(
            Self.placeStatement,
            [bookings.map(\.id), bookings.map(\.sessionId), bookings.map(\.candidateId), bookings.map(\.examCode),
             bookings.map(\.authorizationId), bookings.map(\.status.rawValue), bookings.map(\.paymentExpiresAt), bookings.map(\.createdBy),
             contacts.map { $0?.name }, contacts.map { $0?.email }, contacts.map { $0?.language }, contacts.map { $0?.timeZone }, now]
        )
        guard rows.count == proposals.count else {
            throw PostgresError(kind: .query, message: "placing \(proposals.count) bookings returned \(rows.count) rows")
        }
        return try rows.map { row in
            if try row.decode("booked", as: Bool.self) { return .placed }
            return try row.decode("seated", as: Bool.self) ? .authorizationTaken : .noSeat
        }
    }

    // The seat is the conditional update that makes overbooking impossible; a booking is inserted
    // only with its session's seats taken and its authorization (if any) claimed. Contacts are saved
    // whatever happens to the seat.
    private static let placeStatement = """
        WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::timestamptz[], $8::text[],
                $9::text[], $10::text[], $11::text[], $12::text[])
                WITH ORDINALITY AS i(id, session_id, candidate_id, exam_code, authorization_id, status, payment_expires_at, created_by,
                    name, email, language, time_zone, position)
        ), seat AS (
            UPDATE sessions s SET seats_taken = s.seats_taken + demand.n
            FROM (SELECT session_id, count(*)::int AS n FROM input GROUP BY session_id) demand
            WHERE s.id = demand.session_id AND s.status = 'scheduled' AND (s.capacity IS NULL OR s.seats_taken + demand.n <= s.capacity)
            RETURNING s.id
        ), claim AS (
            UPDATE authorizations a SET status = 'assigned', booking_id = i.id, updated_at = $13
            FROM input i
            WHERE i.authorization_id IS NOT NULL AND a.id = i.authorization_id AND a.status = 'open' AND i.session_id IN (SELECT id FROM seat)
            RETURNING a.id
        ), booking AS (
            INSERT INTO bookings (\(bookingColumns))
            SELECT i.id, i.session_id, i.candidate_id, i.exam_code, i.authorization_id, i.status, NULL, i.payment_expires_at, NULL, NULL,
                NULL, i.created_by, $13, $13
            FROM input i
            WHERE i.session_id IN (SELECT id FROM seat) AND (i.authorization_id IS NULL OR i.authorization_id IN (SELECT id FROM claim))
            ORDER BY i.position
            RETURNING id
        ), candidate AS (
            INSERT INTO candidates (external_id, name, email, language, time_zone, updated_at)
            SELECT DISTINCT ON (i.candidate_id) i.candidate_id, i.name, i.email, i.language, i.time_zone, $13
            FROM input i WHERE i.name IS NOT NULL ORDER BY i.candidate_id, i.position DESC
            ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, language = EXCLUDED.language,
                time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
            WHERE (candidates.name, candidates.email, candidates.language, candidates.time_zone)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.language, EXCLUDED.time_zone)
        )
        SELECT i.session_id IN (SELECT id FROM seat) AS seated, i.id IN (SELECT id FROM booking) AS booked FROM input i ORDER BY i.position
        """

    /// Saves the booking's session, status, authorization and payment fields, with a history line saying
    /// who changed what, from what to what (in the same statement, so no change goes unrecorded).
    func update(_ booking: Booking, by actor: String) throws {
        try connection.execute(
            """
            WITH before AS (SELECT * FROM bookings WHERE id = $1), changed AS (
                UPDATE bookings SET session_id = $2, authorization_id = $3, status = $4,
                    waitlist_position = CASE WHEN $4 = 'waitlisted' THEN waitlist_position END,
                    payment_expires_at = $5, payment_id = $6, end_reason = $7, updated_at = $8
                WHERE id = $1
                RETURNING *
            )
            INSERT INTO booking_history (booking_id, at, actor, change, before, after)
            SELECT c.id, $8, $9,
                CASE WHEN b.status <> c.status THEN c.status WHEN b.session_id <> c.session_id THEN 'moved' ELSE 'changed' END,
                \(Self.snapshot("b")), \(Self.snapshot("c"))
            FROM before b, changed c
            WHERE (b.status, b.session_id, b.authorization_id, b.payment_expires_at, b.end_reason)
                IS DISTINCT FROM (c.status, c.session_id, c.authorization_id, c.payment_expires_at, c.end_reason)
            """,
            [booking.id, booking.sessionId, booking.authorizationId, booking.status.rawValue, booking.paymentExpiresAt,
             booking.paymentId, booking.endReason, booking.updatedAt, actor]
        )
    }

    /// The booking's history, or nil when there is no such booking. Its first line, the creation, is
    /// read from the booking itself (who made it, when, and the state the first change started from),
    /// so booking a seat writes nothing more than the booking.
    func history(of bookingId: UUID) throws -> [HistoryLine]? {
        guard let booking = try connection.query(
            "SELECT created_at, created_by, \(Self.snapshot("bookings"))::text AS now FROM bookings WHERE id = $1", [bookingId]
        ).first else { return nil }
        let changes = try connection.query(
            "SELECT \(HistoryLine.columns) FROM booking_history WHERE booking_id = $1 ORDER BY id", [bookingId]
        ).map(HistoryLine.init)
        let created = HistoryLine(
            at: try booking.decode("created_at"), actor: try booking.decode("created_by"), change: "created", before: nil,
            after: try changes.first?.before ?? booking.decode("now")
        )
        return [created] + changes
    }


    func find(_ id: UUID) throws -> Booking? {
        try connection.query("SELECT \(Self.bookingColumns) FROM bookings WHERE id = $1", [id]).first.map(Self.decode)
    }

    /// Locks the booking. Callers lock its session first (sessions before bookings, always), so
    /// cancellations, promotions and transfers of one session never deadlock each other.
    func lock(_ id: UUID) throws -> Booking? {
        try connection.query("SELECT \(Self.bookingColumns) FROM bookings WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decode)
    }

    /// The attempt started: remembered once, at its first report.
    func recordAttemptStart(_ id: UUID, at startedAt: Date) throws {
        try connection.execute(
            "UPDATE bookings SET attempt_started_at = $2 WHERE id = $1 AND attempt_started_at IS NULL", [id, startedAt]
        )
    }

    /// Whose facts to read, for `facts(_:)`.
    struct FactsQuery {
        let candidateId: String
        let examCode: String
        let sessionId: UUID
        /// Authorizations valid through it come first.
        let sessionEnd: Date
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
                   , a.valid_until
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::boolean[], $5::timestamptz[]) WITH ORDINALITY
                AS q (candidate_id, exam_code, session_id, with_authorization, session_end, position)
            LEFT JOIN LATERAL (
                SELECT \(Self.authorizationColumns) FROM authorizations
                WHERE q.with_authorization AND candidate_id = q.candidate_id AND exam_code = q.exam_code AND status = 'open'
                ORDER BY valid_until IS NOT NULL AND valid_until < q.session_end,
                         CASE WHEN valid_until IS NULL OR valid_until >= q.session_end THEN valid_until END ASC NULLS LAST,
                         valid_until DESC, updated_at, id
                LIMIT 1
            ) AS a ON true
            ORDER BY q.position
            """,
            [queries.map(\.candidateId), queries.map(\.examCode), queries.map(\.sessionId), queries.map(\.withOpenAuthorization),
             queries.map(\.sessionEnd)]
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
        /// Bookings made with the authorization of this purchase.
        var purchaseId: String?
        var sessionId: UUID?
        var status: BookingStatus?
        var limit = 100
        var offset = 0
    }

    func bookings(_ filter: Filter) throws -> [Booking] {
        try page(filter).items
    }

    /// One page of bookings, oldest first, and how many match in all.
    func page(_ filter: Filter) throws -> (items: [Booking], total: Int) {
        let rows = try connection.query(
            """
            SELECT \(Self.bookingColumns), count(*) OVER () AS total FROM bookings
            WHERE ($1::text IS NULL OR candidate_id = $1) AND ($2::uuid IS NULL OR session_id = $2) AND ($3::text IS NULL OR status = $3)
              AND ($6::text IS NULL OR authorization_id IN (SELECT id FROM authorizations WHERE purchase_id = $6))
            ORDER BY created_at, id LIMIT $4 OFFSET $5
            """, [filter.candidateId, filter.sessionId, filter.status?.rawValue, filter.limit, filter.offset, filter.purchaseId]
        )
        return (try rows.map(Self.decode), try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    private static func decode(_ row: PGRow) throws -> Booking {
        Booking(
            id: try row.decode("id"), sessionId: try row.decode("session_id"), candidateId: try row.decode("candidate_id"),
            examCode: try row.decode("exam_code"), authorizationId: try row.decode("authorization_id"),
            status: try known(BookingStatus.self, try row.decode("status"), column: "bookings.status"),
            waitlistPosition: try row.decode("waitlist_position"),
            paymentExpiresAt: try row.decode("payment_expires_at"), paymentId: try row.decode("payment_id"),
            endReason: try row.decode("end_reason"), attemptStartedAt: try row.decode("attempt_started_at"), createdBy: try row.decode("created_by"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at")
        )
    }

    // MARK: - Authorizations (projection)

    private static let authorizationColumns = "id, purchase_id, candidate_id, exam_code, status, booking_id, valid_until"

    /// Records an authorization the first time any event names it. Events may arrive out of order, so a
    /// later status already recorded is never overwritten by `opened`.
    /// `validUntil` comes only with `authorization.opened`, which may arrive after another event.
    func recordAuthorization(_ ref: AuthorizationRef, status: AuthorizationStatus, validUntil: Date? = nil, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO authorizations (id, purchase_id, candidate_id, exam_code, status, booking_id, valid_until, updated_at)
            VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)
            ON CONFLICT (id) DO UPDATE SET valid_until = EXCLUDED.valid_until
                WHERE EXCLUDED.valid_until IS NOT NULL AND authorizations.valid_until IS DISTINCT FROM EXCLUDED.valid_until
            """, [UUID(uuidString: ref.authorizationId), ref.purchaseId, ref.candidateId, ref.examCode, status.rawValue, validUntil, now]
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
            examCode: try row.decode("exam_code"), status: try known(AuthorizationStatus.self, try row.decode("status"), column: "authorizations.status"),
            bookingId: try row.decode("booking_id"), validUntil: try row.decode("valid_until")
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

    /// Each waitlisted booking's place in its session's waitlist, 1 being the next to be promoted.
    func waitlistPositions(of ids: [UUID]) throws -> [UUID: Int] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT b.id, (SELECT count(*) FROM bookings w WHERE w.session_id = b.session_id AND w.status = 'waitlisted'
                          AND w.waitlist_position <= b.waitlist_position) AS position
            FROM bookings b WHERE b.id = ANY($1::uuid[]) AND b.status = 'waitlisted'
            """, [ids]
        )
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode("id", as: UUID.self), try $0.decode("position", as: Int.self)) })
    }

    /// Contact data of many candidates at once, by external id (those not known are missing).
    func candidates(_ ids: [String]) throws -> [String: CandidateContact] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query("SELECT external_id, name, email, language, time_zone FROM candidates WHERE external_id = ANY($1::text[])", [ids])
        return Dictionary(uniqueKeysWithValues: try rows.map { row in
            (try row.decode("external_id", as: String.self),
             CandidateContact(name: try row.decode("name"), email: try row.decode("email"), language: try row.decode("language"), timeZone: try row.decode("time_zone")))
        })
    }

    /// Candidates whose name, email or external id contains `query`, by name, with how many match in all.
    func candidates(matching query: String, limit: Int, offset: Int) throws -> (items: [(id: String, contact: CandidateContact)], total: Int) {
        let rows = try connection.query(
            """
            SELECT external_id, name, email, language, time_zone, count(*) OVER () AS total FROM candidates
            WHERE external_id ILIKE $1 OR email ILIKE $1 OR name ILIKE $1
            ORDER BY name, external_id LIMIT $2 OFFSET $3
            """, [QueryValue.containsPattern(query), limit, offset]
        )
        let items = try rows.map { row in
            (try row.decode("external_id", as: String.self), CandidateContact(
                name: try row.decode("name"), email: try row.decode("email"), language: try row.decode("language"), timeZone: try row.decode("time_zone")
            ))
        }
        return (items, try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    func candidate(_ id: String) throws -> CandidateContact? {
        try connection.query("SELECT name, email, language, time_zone FROM candidates WHERE external_id = $1", [id]).first.map { row in
            CandidateContact(name: try row.decode("name"), email: try row.decode("email"), language: try row.decode("language"), timeZone: try row.decode("time_zone"))
        }
    }

    /// The candidate's name and address go; their bookings, which name them by id only, stay.
    func eraseCandidate(_ candidateId: String, at now: Date) throws {
        try connection.execute("UPDATE candidates SET name = '', email = '', updated_at = $2 WHERE external_id = $1", [candidateId, now])
    }
}
