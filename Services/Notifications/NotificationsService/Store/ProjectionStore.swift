import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation
import Synchronization

/// What emails need to know and no event carries every time: candidates' contacts, sessions as last
/// seen, and bookings with their calendar event's sequence.
struct ProjectionStore {
    let connection: PGConnection

    func saveContact(_ contact: Contact, at now: Date) throws {
        try saveContacts([contact], at: now)
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

    /// Everything booking confirmations change: the candidates' contacts, each session as last seen
    /// (left unlocked when unchanged, see `saveSession`), each booking with the next SEQUENCE of its
    /// calendar event, and its reminders. When a booking's cancellation arrived first (events on
    /// different queues can overtake each other), the cancellation has the last word: nil for it, and
    /// only contact and session are saved. Otherwise the SEQUENCE for this email's calendar event.
    ///
    /// A batch is a handful of set-based statements, whatever its size: one for contacts, one per
    /// session, then one for bookings and one for reminders. A booking confirmed twice in a batch gets
    /// its SEQUENCEs one after the other: the bookings go in rounds that hold each booking once.
    func recordConfirmations(_ confirmations: [Confirmation], at now: Date) throws -> [Int?] {
        try saveContacts(confirmations.map(\.contact), at: now)
        var sessions: [String: SessionSnapshot] = [:]
        for confirmation in confirmations { sessions[confirmation.session.sessionId] = confirmation.session }
        for session in sessions.values.sorted(by: { $0.sessionId < $1.sessionId }) { try saveSession(session, at: now) }

        var sequences = [Int?](repeating: nil, count: confirmations.count)
        for round in DistinctRounds.of(confirmations, key: { $0.booking.bookingId }) {
            let recorded = try recordBookings(round.map { confirmations[$0] }, at: now)
            for index in round { sequences[index] = recorded[confirmations[index].booking.bookingId] }
        }
        return sequences
    }

    /// Confirmations of distinct bookings: each booking with the next SEQUENCE of its calendar event,
    /// and its reminders. Returns the SEQUENCE by booking id, for the bookings still active.
    private func recordBookings(_ confirmations: [Confirmation], at now: Date) throws -> [String: Int] {
        // Sorted, so that two replicas' batches lock the rows they share in the same order.
        let bookings = confirmations.map(\.booking).sorted { $0.bookingId < $1.bookingId }
        var sequences: [String: Int] = [:]
        for row in try connection.query(
            """
            INSERT INTO bookings (booking_id, candidate_id, session_id, exam_code, active, calendar_sequence, updated_at)
            SELECT booking_id, candidate_id, session_id, exam_code, true, 1, $5
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS b(booking_id, candidate_id, session_id, exam_code, position)
            ORDER BY position
            ON CONFLICT (booking_id) DO UPDATE SET session_id = EXCLUDED.session_id, updated_at = EXCLUDED.updated_at,
                calendar_sequence = bookings.calendar_sequence + 1
            WHERE bookings.active
            RETURNING booking_id, calendar_sequence - 1 AS sequence
            """,
            [bookings.map(\.bookingId), bookings.map(\.candidateId), bookings.map(\.sessionId), bookings.map(\.examCode), now]
        ) {
            sequences[try row.decode("booking_id")] = try row.decode("sequence")
        }

        let scheduled = confirmations.filter { sequences[$0.booking.bookingId] != nil }
        // A booking confirmed before (a later SEQUENCE) may have reminders its new schedule drops.
        for confirmation in scheduled where sequences[confirmation.booking.bookingId, default: 0] > 0 {
            try connection.execute(
                "DELETE FROM reminders WHERE booking_id = $1 AND offset_seconds <> ALL($2::int[])",
                [confirmation.booking.bookingId, confirmation.reminders.map { Int($0.offset) }]
            )
        }
        let reminders = scheduled.flatMap { confirmation in
            confirmation.reminders.map { (bookingId: confirmation.booking.bookingId, offset: Int($0.offset), dueAt: $0.dueAt, start: confirmation.session.start) }
        }
        if !reminders.isEmpty {
            try connection.execute(
                """
                INSERT INTO reminders (booking_id, offset_seconds, due_at, session_start)
                SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[])
                ON CONFLICT (booking_id, offset_seconds) DO UPDATE SET due_at = EXCLUDED.due_at, session_start = EXCLUDED.session_start
                """,
                [reminders.map(\.bookingId), reminders.map(\.offset), reminders.map(\.dueAt), reminders.map(\.start)]
            )
        }
        return sequences
    }

    /// Contacts as the latest of `contacts` has them (a candidate may appear more than once).
    func saveContacts(_ contacts: [Contact], at now: Date) throws {
        var latest: [String: Contact] = [:]
        for contact in contacts { latest[contact.candidateId] = contact }
        let rows = latest.values.sorted { $0.candidateId < $1.candidateId }
        try connection.execute(
            """
            INSERT INTO contacts (candidate_id, name, email, language, time_zone, updated_at)
            SELECT *, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
            ON CONFLICT (candidate_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, language = EXCLUDED.language,
                time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
            """,
            [rows.map(\.candidateId), rows.map(\.name), rows.map(\.email), rows.map(\.language), rows.map(\.timeZone), now]
        )
    }

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

    /// Whether the candidate's personal data was erased here (see `CandidateErasure`).
    func isErased(_ candidateId: String) throws -> Bool {
        try !connection.query("SELECT 1 FROM erased_candidates WHERE candidate_id = $1", [candidateId]).isEmpty
    }

    func eraseContact(_ candidateId: String) throws {
        try connection.execute("DELETE FROM contacts WHERE candidate_id = $1", [candidateId])
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
