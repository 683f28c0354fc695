import ExamHallModels
import ExamHallStorage
import Foundation
import Synchronization

/// What emails need to know and no event carries every time: candidates' contacts, sessions as last
/// seen, and bookings with their calendar event's sequence.
struct ProjectionStore {
    let connection: PGConnection

    func saveContact(_ contact: Contact, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO contacts (candidate_id, name, email, language, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (candidate_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, language = EXCLUDED.language,
                time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
            """,
            [contact.candidateId, contact.name, contact.email, contact.language, contact.timeZone, now]
        )
    }

    func contact(_ candidateId: String) throws -> Contact? {
        try connection.query("SELECT name, email, language, time_zone FROM contacts WHERE candidate_id = $1", [candidateId]).first.map { row in
            Contact(
                candidateId: candidateId, name: try row.decode("name"), email: try row.decode("email"),
                language: try row.decode("language"), timeZone: try row.decode("time_zone")
            )
        }
    }

    /// Every booking event carries its session, so many transactions save the same one at once. An
    /// unchanged snapshot is left alone without taking the row's lock (ON CONFLICT DO UPDATE would
    /// lock it even to change nothing, and serialize every booking of a session).
    func saveSession(_ session: SessionSnapshot, at now: Date) throws {
        let json = try Self.json(session)
        try connection.execute(
            """
            WITH changed AS (
                UPDATE sessions SET snapshot = $2, updated_at = $3 WHERE session_id = $1 AND snapshot IS DISTINCT FROM $2 RETURNING session_id
            )
            INSERT INTO sessions (session_id, snapshot, updated_at) SELECT $1, $2, $3
            WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE session_id = $1) ON CONFLICT (session_id) DO NOTHING
            """,
            [session.sessionId, json, now]
        )
    }

    /// A session's stored form. Consecutive bookings mostly carry the same session, so the last one
    /// encoded is kept and reused when equal.
    static func json(_ session: SessionSnapshot) throws -> String {
        if let last = lastEncoded.withLock({ $0 }), last.session == session { return last.json }
        let json = String(decoding: try EventCoding.encoder.encode(session), as: UTF8.self)
        lastEncoded.withLock { $0 = (session, json) }
        return json
    }

    private static let lastEncoded = Mutex<(session: SessionSnapshot, json: String)?>(nil)

    func session(_ sessionId: String) throws -> SessionSnapshot? {
        guard let row = try connection.query("SELECT snapshot FROM sessions WHERE session_id = $1", [sessionId]).first else { return nil }
        return try EventCoding.decoder.decode(SessionSnapshot.self, from: Data((try row.decode("snapshot", as: String.self)).utf8))
    }

    struct Booking: Sendable {
        var bookingId: String
        var candidateId: String
        var sessionId: String
        var examCode: String
        var active: Bool
    }

    func saveBooking(_ booking: Booking, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO bookings (booking_id, candidate_id, session_id, exam_code, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (booking_id) DO UPDATE SET session_id = EXCLUDED.session_id, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            """,
            [booking.bookingId, booking.candidateId, booking.sessionId, booking.examCode, booking.active, now]
        )
    }

    /// One confirmation to record, for `recordConfirmations`.
    struct Confirmation {
        let contact: Contact
        let session: SessionSnapshot
        let booking: Booking
        let reminders: [(offset: TimeInterval, dueAt: Date)]
    }

    /// Everything a booking confirmation changes, in one statement because it runs for every booking:
    /// the candidate's contact, the session as last seen (left unlocked when unchanged, see
    /// `saveSession`), the booking with the next SEQUENCE of its calendar event, and its reminders. When
    /// the booking's cancellation arrived first (events on different queues can overtake each other),
    /// the cancellation has the last word: returns nil, and only contact and session are saved.
    /// Otherwise returns the SEQUENCE for this email's calendar event. Many bookings go in one pipeline
    /// (one round trip), in order, so a booking confirmed twice in a batch still gets its SEQUENCEs one
    /// after the other.
    func recordConfirmations(_ confirmations: [Confirmation], at now: Date) throws -> [Int?] {
        let statements = try confirmations.map { confirmation in
            let (contact, session, booking, reminders) = (confirmation.contact, confirmation.session, confirmation.booking, confirmation.reminders)
            return PGConnection.Statement(Self.recordConfirmationStatement, [
                contact.candidateId, contact.name, contact.email, contact.language, contact.timeZone, now, session.sessionId, try Self.json(session),
                booking.bookingId, booking.examCode, reminders.map { Int($0.offset) }, reminders.map(\.dueAt), session.start,
            ])
        }
        return try connection.pipeline(statements).map { try $0.rows.first?.decode("sequence") }
    }

    private static let recordConfirmationStatement = """
            WITH contact AS (
                INSERT INTO contacts (candidate_id, name, email, language, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (candidate_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, language = EXCLUDED.language,
                    time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
            ), session_changed AS (
                UPDATE sessions SET snapshot = $8, updated_at = $6 WHERE session_id = $7 AND snapshot IS DISTINCT FROM $8
            ), session_added AS (
                INSERT INTO sessions (session_id, snapshot, updated_at) SELECT $7, $8, $6
                WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE session_id = $7) ON CONFLICT (session_id) DO NOTHING
            ), booking AS (
                INSERT INTO bookings (booking_id, candidate_id, session_id, exam_code, active, calendar_sequence, updated_at)
                VALUES ($9, $1, $7, $10, true, 1, $6)
                ON CONFLICT (booking_id) DO UPDATE SET session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at,
                    calendar_sequence = bookings.calendar_sequence + 1
                WHERE bookings.active
                RETURNING calendar_sequence - 1 AS sequence
            ), reminders_dropped AS (
                DELETE FROM reminders WHERE booking_id = $9 AND offset_seconds <> ALL($11::int[]) AND EXISTS (SELECT 1 FROM booking)
            ), reminders_set AS (
                INSERT INTO reminders (booking_id, offset_seconds, due_at, session_start)
                SELECT $9, offset_seconds, due_at, $13 FROM unnest($11::int[], $12::timestamptz[]) AS schedule (offset_seconds, due_at)
                WHERE EXISTS (SELECT 1 FROM booking)
                ON CONFLICT (booking_id, offset_seconds) DO UPDATE SET due_at = EXCLUDED.due_at, session_start = EXCLUDED.session_start
            )
            SELECT sequence FROM booking
            """

    func booking(_ bookingId: String) throws -> Booking? {
        try connection.query("SELECT booking_id, candidate_id, session_id, exam_code, active FROM bookings WHERE booking_id = $1", [bookingId])
            .first.map(Self.decodeBooking)
    }

    func activeBookings(inSession sessionId: String) throws -> [Booking] {
        try connection.query(
            "SELECT booking_id, candidate_id, session_id, exam_code, active FROM bookings WHERE session_id = $1 AND active ORDER BY booking_id FOR UPDATE",
            [sessionId]
        ).map(Self.decodeBooking)
    }

    /// The next SEQUENCE of the booking's calendar event: 0 for the first invitation, then 1, 2, …
    func nextCalendarSequence(_ bookingId: String) throws -> Int {
        let rows = try connection.query(
            "UPDATE bookings SET calendar_sequence = calendar_sequence + 1 WHERE booking_id = $1 RETURNING calendar_sequence - 1 AS sequence",
            [bookingId]
        )
        return try rows.first?.decode("sequence") ?? 0
    }

    private static func decodeBooking(_ row: PGRow) throws -> Booking {
        Booking(
            bookingId: try row.decode("booking_id"), candidateId: try row.decode("candidate_id"), sessionId: try row.decode("session_id"),
            examCode: try row.decode("exam_code"), active: try row.decode("active")
        )
    }
}

/// Reminders still to send.
struct ReminderStore {
    let connection: PGConnection

    /// Replaces a booking's pending reminders with those for a session starting at `start`.
    /// One statement, as it runs for every booking event: offsets no longer scheduled go, the others are
    /// inserted or moved.
    func reschedule(_ bookingId: String, start: Date, offsets: [TimeInterval], now: Date) throws {
        let schedule = ReminderRules.schedule(start: start, offsets: offsets, now: now)
        try connection.execute(
            """
            WITH dropped AS (DELETE FROM reminders WHERE booking_id = $1 AND offset_seconds <> ALL($2::int[]))
            INSERT INTO reminders (booking_id, offset_seconds, due_at, session_start)
            SELECT $1, offset_seconds, due_at, $4 FROM unnest($2::int[], $3::timestamptz[]) AS schedule (offset_seconds, due_at)
            ON CONFLICT (booking_id, offset_seconds) DO UPDATE SET due_at = EXCLUDED.due_at, session_start = EXCLUDED.session_start
            """,
            [bookingId, schedule.map { Int($0.offset) }, schedule.map(\.dueAt), start]
        )
    }

    func drop(_ bookingId: String) throws {
        try connection.execute("DELETE FROM reminders WHERE booking_id = $1", [bookingId])
    }

    struct Due: Sendable {
        var bookingId: String
        var offsetSeconds: Int
        var sessionStart: Date
    }

    /// Due reminders, claimed so that replicas never take the same one.
    func claimDue(now: Date, limit: Int) throws -> [Due] {
        try connection.query(
            "SELECT booking_id, offset_seconds, session_start FROM reminders WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            [now, limit]
        ).map { row in
            Due(bookingId: try row.decode("booking_id"), offsetSeconds: try row.decode("offset_seconds"), sessionStart: try row.decode("session_start"))
        }
    }

    func remove(_ due: Due) throws {
        try connection.execute("DELETE FROM reminders WHERE booking_id = $1 AND offset_seconds = $2", [due.bookingId, due.offsetSeconds])
    }

    func pending(_ bookingId: String) throws -> [Date] {
        try connection.query("SELECT due_at FROM reminders WHERE booking_id = $1 ORDER BY due_at", [bookingId]).map { try $0.decode("due_at") }
    }
}
