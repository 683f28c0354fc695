import ExamHallModels
import ExamHallStorage
import Foundation

/// SQL for the catalog, locations and sessions, used inside the caller's transaction.
struct SessionStore {
    let connection: PGConnection

    // MARK: - Exams

    /// False when an exam with that code already exists.
    func insert(_ exam: Exam, at now: Date) throws -> Bool {
        try connection.execute(
            """
            INSERT INTO exams (code, title, duration_minutes, languages, verification_required, no_show_policy, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
            ON CONFLICT (code) DO NOTHING
            """,
            [exam.code, exam.title, exam.durationMinutes, exam.languages.joined(separator: ","), exam.verificationRequired,
             exam.noShowPolicy.rawValue, now]
        ).affectedRows == 1
    }

    private static let examColumns = "code, title, duration_minutes, languages, verification_required, no_show_policy, active"

    /// One page of the catalog by code, with how many exams match in all; `pattern` (a `LIKE`
    /// pattern, nil for all) is looked for in the code and the title.
    func exams(matching pattern: String? = nil, limit: Int, offset: Int) throws -> (items: [Exam], total: Int) {
        let rows = try connection.query(
            """
            SELECT \(Self.examColumns), count(*) OVER () AS total FROM exams
            WHERE $3::text IS NULL OR code ILIKE $3 OR title ILIKE $3
            ORDER BY code LIMIT $1 OFFSET $2
            """, [limit, offset, pattern]
        )
        return (try rows.map(Self.decodeExam), try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    func exam(_ code: String) throws -> Exam? {
        try connection.query("SELECT \(Self.examColumns) FROM exams WHERE code = $1", [code]).first.map(Self.decodeExam)
    }

    func lockExam(_ code: String) throws -> Exam? {
        try connection.query("SELECT \(Self.examColumns) FROM exams WHERE code = $1 FOR UPDATE", [code]).first.map(Self.decodeExam)
    }

    /// The exams among `codes` that are in the catalog.
    func exams(_ codes: [String]) throws -> [Exam] {
        try connection.query("SELECT \(Self.examColumns) FROM exams WHERE code = ANY($1::text[]) ORDER BY code", [codes]).map(Self.decodeExam)
    }

    func update(_ exam: Exam, at now: Date) throws {
        try connection.execute(
            """
            UPDATE exams SET title = $2, duration_minutes = $3, languages = $4, verification_required = $5, no_show_policy = $6,
                active = $7, updated_at = $8
            WHERE code = $1
            """,
            [exam.code, exam.title, exam.durationMinutes, exam.languages.joined(separator: ","), exam.verificationRequired,
             exam.noShowPolicy.rawValue, exam.active, now]
        )
    }

    private static func decodeExam(_ row: PGRow) throws -> Exam {
        Exam(
            code: try row.decode("code"), title: try row.decode("title"), durationMinutes: try row.decode("duration_minutes"),
            languages: Self.list(try row.decode("languages")), verificationRequired: try row.decode("verification_required"),
            noShowPolicy: try known(NoShowPolicy.self, try row.decode("no_show_policy"), column: "exams.no_show_policy"),
            active: try row.decode("active")
        )
    }

    // MARK: - Locations

    func insert(_ location: Location, at now: Date) throws {
        try connection.execute(
            "INSERT INTO locations (id, name, address, time_zone, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
            [location.id, location.name, location.address, location.timeZone, location.active, now]
        )
    }

    /// One page of the locations by name, with how many match in all; `pattern` (a `LIKE` pattern, nil
    /// for all) is looked for in the name and the address.
    func locations(matching pattern: String? = nil, limit: Int, offset: Int) throws -> (items: [Location], total: Int) {
        let rows = try connection.query(
            """
            SELECT id, name, address, time_zone, active, count(*) OVER () AS total FROM locations
            WHERE $3::text IS NULL OR name ILIKE $3 OR address ILIKE $3
            ORDER BY name, id LIMIT $1 OFFSET $2
            """, [limit, offset, pattern]
        )
        return (try rows.map(Self.decodeLocation), try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    func location(_ id: UUID) throws -> Location? {
        try connection.query("SELECT id, name, address, time_zone, active FROM locations WHERE id = $1", [id]).first.map(Self.decodeLocation)
    }

    func lockLocation(_ id: UUID) throws -> Location? {
        try connection.query("SELECT id, name, address, time_zone, active FROM locations WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decodeLocation)
    }

    func update(_ location: Location, at now: Date) throws {
        try connection.execute(
            "UPDATE locations SET name = $2, address = $3, time_zone = $4, active = $5, updated_at = $6 WHERE id = $1",
            [location.id, location.name, location.address, location.timeZone, location.active, now]
        )
    }

    /// The scheduled sessions at a location that have not ended by `now`, soonest first.
    func upcomingSessions(at locationId: UUID, after now: Date) throws -> [Session] {
        try connection.query(
            """
            SELECT \(Self.sessionColumns) FROM sessions s JOIN locations l ON l.id = s.location_id
            WHERE s.location_id = $1 AND s.status = 'scheduled' AND s.ends_at > $2
            ORDER BY s.starts_at, s.id
            """,
            [locationId, now]
        ).map(Self.decodeSession)
    }

    // MARK: - Sessions

    private static let sessionColumns = """
        s.id, s.location_id, l.name AS location_name, l.address, l.time_zone, l.active AS location_active, s.name, s.exam_codes, s.room,
        s.additional_instructions, s.instructions, s.delivery_preference, s.starts_at, s.ends_at, s.self_enrollment,
        s.private_kind, s.booking_deadline, s.cancellation_deadline, s.capacity, s.authorization_required,
        s.price_amount, s.price_currency, s.candidates_per_proctor, s.status, s.seats_taken, s.created_at, s.updated_at
        """

    func insert(_ session: Session) throws {
        try connection.execute(
            """
            INSERT INTO sessions (id, location_id, name, exam_codes, room, additional_instructions, instructions, delivery_preference,
                starts_at, ends_at, self_enrollment, private_kind, booking_deadline, cancellation_deadline, capacity,
                authorization_required, price_amount, price_currency, candidates_per_proctor, status, seats_taken, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
            """, Self.parameters(session)
        )
    }

    /// Saves every setting, the status and the seat count of `session`.
    func update(_ session: Session) throws {
        try connection.execute(
            """
            UPDATE sessions SET location_id = $2, name = $3, exam_codes = $4, room = $5, additional_instructions = $6,
                instructions = $7, delivery_preference = $8, starts_at = $9, ends_at = $10, self_enrollment = $11,
                private_kind = $12, booking_deadline = $13, cancellation_deadline = $14, capacity = $15,
                authorization_required = $16, price_amount = $17, price_currency = $18, candidates_per_proctor = $19,
                status = $20, seats_taken = $21, updated_at = $22
            WHERE id = $1
            """, Array(Self.parameters(session).enumerated().filter { $0.offset != 21 }.map(\.element))
        )
    }

    /// Adds `delta` to the seats taken. The table's CHECK refuses more than capacity whatever happens above.
    func adjustSeats(_ sessionId: UUID, by delta: Int) throws {
        try connection.execute("UPDATE sessions SET seats_taken = seats_taken + $2 WHERE id = $1", [sessionId, delta])
    }

    /// Takes one seat if the session is scheduled and not full: the same conditional update that makes
    /// overbooking impossible however many replicas run it at once. False when no seat was taken.
    func takeSeat(_ sessionId: UUID) throws -> Bool {
        try connection.execute(
            """
            UPDATE sessions SET seats_taken = seats_taken + 1
            WHERE id = $1 AND status = 'scheduled' AND (capacity IS NULL OR seats_taken < capacity)
            """, [sessionId]
        ).affectedRows == 1
    }

    func find(_ id: UUID) throws -> Session? {
        try connection.query("SELECT \(Self.sessionColumns) FROM sessions s JOIN locations l ON l.id = s.location_id WHERE s.id = $1", [id])
            .first.map(Self.decodeSession)
    }

    /// Several sessions in one statement, unlocked (a batch of bookings plans on these).
    func find(_ ids: [UUID]) throws -> [UUID: Session] {
        let sessions = try connection.query(
            "SELECT \(Self.sessionColumns) FROM sessions s JOIN locations l ON l.id = s.location_id WHERE s.id = ANY($1::uuid[])", [ids]
        ).map(Self.decodeSession)
        return Dictionary(sessions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The session, locked until the transaction ends: every change to its seats goes through this lock,
    /// so two replicas deciding at once see each other's bookings.
    func lock(_ id: UUID) throws -> Session? {
        try connection.query(
            "SELECT \(Self.sessionColumns) FROM sessions s JOIN locations l ON l.id = s.location_id WHERE s.id = $1 FOR UPDATE OF s", [id]
        ).first.map(Self.decodeSession)
    }

    /// Locks several sessions in id order, so two transfers in opposite directions cannot deadlock.
    func lock(_ ids: [UUID]) throws -> [UUID: Session] {
        var locked: [UUID: Session] = [:]
        for id in Set(ids).sorted(by: { $0.uuidString < $1.uuidString }) {
            if let session = try lock(id) { locked[id] = session }
        }
        return locked
    }

    struct Filter {
        var from: Date?
        var to: Date?
        var locationId: UUID?
        var examCode: String?
        /// Only sessions this proctor is assigned to.
        var proctorId: UUID?
        var enrollment: EnrollmentKind?
        var status: SessionStatus?
        var includeCancelled = true
        var order: SessionOrder = .soonest
        var limit = 500
        var offset = 0
    }

    /// Sessions overlapping [from, to) in the order asked, one page of them, and how many match in all.
    func sessions(_ filter: Filter) throws -> (items: [Session], total: Int) {
        let order = switch filter.order {
        case .soonest: "s.starts_at, s.id"
        case .newest: "s.created_at DESC, s.id DESC"
        }
        let rows = try connection.query(
            """
            SELECT \(Self.sessionColumns), count(*) OVER () AS total FROM sessions s JOIN locations l ON l.id = s.location_id
            WHERE ($1::timestamptz IS NULL OR s.ends_at > $1) AND ($2::timestamptz IS NULL OR s.starts_at < $2)
              AND ($3::uuid IS NULL OR s.location_id = $3)
              AND ($4::text IS NULL OR $4 = ANY(string_to_array(s.exam_codes, ',')))
              AND ($5 OR s.status = 'scheduled')
              AND ($7::uuid IS NULL OR EXISTS (SELECT 1 FROM session_proctors sp WHERE sp.session_id = s.id AND sp.proctor_id = $7))
              AND ($8::text IS NULL OR ($8 = 'public' AND s.self_enrollment) OR ($8 = 'private-individual' AND s.private_kind = 'individual')
                   OR ($8 = 'private-common' AND s.private_kind = 'common'))
              AND ($9::text IS NULL OR s.status = $9)
            ORDER BY \(order) LIMIT $6 OFFSET $10
            """,
            [filter.from, filter.to, filter.locationId, filter.examCode, filter.includeCancelled, filter.limit, filter.proctorId,
             filter.enrollment?.rawValue, filter.status?.rawValue, filter.offset]
        )
        return (try rows.map(Self.decodeSession), try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    /// Per session: confirmed seats, seats held for payment, waitlist length and proctors assigned.
    struct Occupancy: Equatable {
        var confirmed = 0
        var held = 0
        var waitlisted = 0
        var proctorsAssigned = 0
    }

    func occupancy(of ids: [UUID]) throws -> [UUID: Occupancy] {
        guard !ids.isEmpty else { return [:] }
        var result: [UUID: Occupancy] = [:]
        for row in try connection.query(
            """
            SELECT id,
                (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed') AS confirmed,
                (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'awaiting-payment') AS held,
                (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'waitlisted') AS waitlisted,
                (SELECT count(*) FROM session_proctors p WHERE p.session_id = s.id) AS proctors
            FROM sessions s WHERE s.id = ANY($1::uuid[])
            """, [ids]
        ) {
            result[try row.decode("id")] = Occupancy(
                confirmed: try row.decode("confirmed"), held: try row.decode("held"),
                waitlisted: try row.decode("waitlisted"), proctorsAssigned: try row.decode("proctors")
            )
        }
        return result
    }

    // MARK: - History

    /// A line of the session's history: who changed what, from what (a JSON object) to what.
    func recordHistory(of sessionId: UUID, at now: Date, by actor: String, change: String, before: String?, after: String) throws {
        try connection.execute(
            "INSERT INTO session_history (session_id, at, actor, change, before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)",
            [sessionId, now, actor, change, before, after]
        )
    }

    func history(of sessionId: UUID) throws -> [HistoryLine] {
        try connection.query(
            "SELECT \(HistoryLine.columns) FROM session_history WHERE session_id = $1 ORDER BY id", [sessionId]
        ).map(HistoryLine.init)
    }

    // MARK: - Proctors

    /// False when a proctor with that email is already registered.
    func insert(_ proctor: Proctor, at now: Date) throws -> Bool {
        try connection.execute(
            "INSERT INTO proctors (id, name, email, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING",
            [proctor.id, proctor.name, proctor.email, now]
        ).affectedRows == 1
    }

    /// One page of the registry by name, with how many proctors there are in all.
    func proctors(matching pattern: String? = nil, limit: Int, offset: Int) throws -> (items: [Proctor], total: Int) {
        let rows = try connection.query(
            """
            SELECT id, name, email, active, count(*) OVER () AS total FROM proctors
            WHERE $3::text IS NULL OR name ILIKE $3 OR email ILIKE $3
            ORDER BY name, id LIMIT $1 OFFSET $2
            """, [limit, offset, pattern]
        )
        return (try rows.map(Self.decodeProctor), try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    /// The proctor, locked: assignments of one proctor are decided one at a time, so two CSRs cannot
    /// put them on overlapping sessions at once.
    func lockProctor(_ id: UUID) throws -> Proctor? {
        try connection.query("SELECT id, name, email, active FROM proctors WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decodeProctor)
    }

    func proctor(_ id: UUID) throws -> Proctor? {
        try connection.query("SELECT id, name, email, active FROM proctors WHERE id = $1", [id]).first.map(Self.decodeProctor)
    }

    /// False when another proctor already has that email (the unique index decides, so two changes at
    /// once cannot both take it).
    func update(_ proctor: Proctor) throws -> Bool {
        do {
            try connection.execute("UPDATE proctors SET name = $2, email = $3, active = $4 WHERE id = $1", [proctor.id, proctor.name, proctor.email, proctor.active])
            return true
        } catch let error as PostgresError where error.isUniqueViolation {
            return false
        }
    }

    /// The scheduled sessions a proctor is assigned to that have not ended, soonest first.
    func assignments(of proctorId: UUID, after now: Date) throws -> [(id: UUID, name: String, start: Date, end: Date)] {
        try connection.query(
            """
            SELECT s.id, s.name, s.starts_at, s.ends_at FROM sessions s JOIN session_proctors sp ON sp.session_id = s.id
            WHERE sp.proctor_id = $1 AND s.status = 'scheduled' AND s.ends_at > $2 ORDER BY s.starts_at, s.id
            """, [proctorId, now]
        ).map { (try $0.decode("id"), try $0.decode("name"), try $0.decode("starts_at"), try $0.decode("ends_at")) }
    }

    func proctors(of sessionId: UUID) throws -> [Proctor] {
        try connection.query(
            """
            SELECT p.id, p.name, p.email, p.active FROM proctors p JOIN session_proctors sp ON sp.proctor_id = p.id
            WHERE sp.session_id = $1 ORDER BY p.name, p.id
            """, [sessionId]
        ).map(Self.decodeProctor)
    }

    /// A scheduled session other than `excluding` that `proctorId` is on and that overlaps [start, end).
    func overlappingAssignment(proctorId: UUID, start: Date, end: Date, excluding: UUID) throws -> (id: UUID, name: String)? {
        try connection.query(
            """
            SELECT s.id, s.name FROM session_proctors sp JOIN sessions s ON s.id = sp.session_id
            WHERE sp.proctor_id = $1 AND s.id <> $4 AND s.status = 'scheduled' AND s.starts_at < $3 AND s.ends_at > $2
            ORDER BY s.starts_at LIMIT 1
            """, [proctorId, start, end, excluding]
        ).first.map { (try $0.decode("id"), try $0.decode("name")) }
    }

    /// False when the proctor was already on the session.
    func assign(proctorId: UUID, to sessionId: UUID, at now: Date) throws -> Bool {
        try connection.execute(
            "INSERT INTO session_proctors (session_id, proctor_id, assigned_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [sessionId, proctorId, now]
        ).affectedRows == 1
    }

    /// False when the proctor was not on the session.
    func unassign(proctorId: UUID, from sessionId: UUID) throws -> Bool {
        try connection.execute("DELETE FROM session_proctors WHERE session_id = $1 AND proctor_id = $2", [sessionId, proctorId]).affectedRows == 1
    }

    // MARK: - Rows

    /// Insert order; `update` leaves out `created_at` (index 21).
    private static func parameters(_ session: Session) -> [any PostgresEncodable] {
        let settings = session.publicSettings
        return [
            session.id, session.location.id, session.name, session.examCodes.joined(separator: ","), session.room,
            session.additionalInstructions, session.instructions, session.deliveryPreference, session.start, session.end,
            settings != nil, session.privateKind?.rawValue, settings?.bookingDeadline, settings?.cancellationDeadline,
            settings?.capacity, settings?.authorizationRequired ?? false, session.price?.amount, session.price?.currency,
            session.candidatesPerProctor, session.status.rawValue, session.seatsTaken, session.createdAt, session.updatedAt,
        ]
    }

    private static func decodeSession(_ row: PGRow) throws -> Session {
        let enrollment: Enrollment
        if try row.decode("self_enrollment", as: Bool.self) {
            enrollment = .selfEnrollment(PublicSettings(
                bookingDeadline: try row.decode("booking_deadline"), cancellationDeadline: try row.decode("cancellation_deadline"),
                capacity: try row.decode("capacity"), authorizationRequired: try row.decode("authorization_required")
            ))
        } else {
            enrollment = .privateSession(try known(PrivateKind.self, try row.decode("private_kind"), column: "sessions.private_kind"))
        }
        let amount: Decimal? = try row.decode("price_amount")
        let currency: String? = try row.decode("price_currency")
        return Session(
            id: try row.decode("id"),
            location: Location(
                id: try row.decode("location_id"), name: try row.decode("location_name"),
                address: try row.decode("address"), timeZone: try row.decode("time_zone"), active: try row.decode("location_active")
            ),
            name: try row.decode("name"), examCodes: list(try row.decode("exam_codes")), room: try row.decode("room"),
            additionalInstructions: try row.decode("additional_instructions"), instructions: try row.decode("instructions"),
            deliveryPreference: try row.decode("delivery_preference"), start: try row.decode("starts_at"), end: try row.decode("ends_at"),
            enrollment: enrollment, price: amount.flatMap { amount in currency.map { Money(amount: amount, currency: $0) } },
            candidatesPerProctor: try row.decode("candidates_per_proctor"),
            status: try known(SessionStatus.self, try row.decode("status"), column: "sessions.status"), seatsTaken: try row.decode("seats_taken"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at")
        )
    }

    private static func decodeLocation(_ row: PGRow) throws -> Location {
        Location(
            id: try row.decode("id"), name: try row.decode("name"), address: try row.decode("address"), timeZone: try row.decode("time_zone"),
            active: try row.decode("active")
        )
    }

    private static func decodeProctor(_ row: PGRow) throws -> Proctor {
        Proctor(id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email"), active: try row.decode("active"))
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }
}
