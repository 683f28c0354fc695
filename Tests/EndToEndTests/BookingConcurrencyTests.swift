import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// Two replicas of `examhall-sessions` behind one database and queue, hammered at once: the seat,
/// authorization and waitlist invariants hold under any interleaving.
@Suite(.serialized) struct BookingConcurrencyTests {
    let admin = AdminDatabase()
    let prefix = "conc-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws { try TestStack.require() }

    func startReplicas() async throws -> [ServiceProcess] {
        let replicas = [ServiceProcess("sessions", port: 18081), ServiceProcess("sessions", port: 18181)]
        for replica in replicas { try await replica.start() }
        return replicas
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable]) throws -> Int {
        try admin.query(sql, parameters)[0].decode("n")
    }

    @Test func fiveHundredCandidatesForFiftySeatsNeverOverbook() async throws {
        let replicas = try await startReplicas()
        defer { replicas.forEach { $0.stop() } }
        let api = try await SessionsDriver(replicas)
        let session = try await api.publicSession(exam: try await api.exam(), capacity: 50)
        let prefix = self.prefix
        let replies = try await concurrently(500) { index in
            // Every fifth candidate asks for the waitlist when the session is full.
            try await api.book(session, candidate: "cand-\(prefix)-\(index)", json: index % 5 == 0 ? #"{"waitlist":true}"# : nil, replica: index)
        }
        let statuses = replies.map { $0.json["status"] as? String ?? $0.problem ?? "\($0.status)" }
        let tally = Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count)
        #expect(tally["confirmed"] == 50, "\(tally)")
        #expect((tally["session-full"] ?? 0) + (tally["waitlisted"] ?? 0) == 450, "\(tally)")
        #expect((tally["waitlisted"] ?? 0) > 0)
        #expect(replies.allSatisfy { [201, 409].contains($0.status) })

        let id = UUID(uuidString: session)!
        #expect(try count("SELECT count(*) AS n FROM sessions.bookings WHERE session_id = $1 AND status = 'confirmed'", [id]) == 50)
        #expect(try count("SELECT seats_taken AS n FROM sessions.sessions WHERE id = $1", [id]) == 50)
        #expect(try count("SELECT count(*) AS n FROM sessions.bookings WHERE session_id = $1 AND status = 'waitlisted'", [id]) == tally["waitlisted"] ?? 0)
        // Both replicas took bookings.
        for replica in replicas {
            let metrics = String(decoding: try await replica.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains("http_route=\"/sessions/{id}/bookings\""), "replica on \(replica.port) served no bookings")
        }
    }

    @Test func oneAuthorizationUsedForTwoSessionsAtOnceBooksAtMostOne() async throws {
        let replicas = try await startReplicas()
        let authorizations = ServiceProcess("authorizations", port: 18082)
        try await authorizations.start()
        defer { replicas.forEach { $0.stop() }; authorizations.stop() }
        let api = try await SessionsDriver(replicas)
        let exam = try await api.exam()
        let sessions = [try await api.publicSession(exam: exam, capacity: 10, authorizationRequired: true),
                        try await api.publicSession(exam: exam, capacity: 10, authorizationRequired: true)]
        let candidate = "cand-\(prefix)-solo"
        let publisher = try TestPublisher()
        try publisher.publish(Fixtures.purchase("\(prefix)-solo", candidate: Fixtures.candidate(candidate), examCode: exam))
        try publisher.confirm()
        let known = try await eventually(timeout: .seconds(60), {
            try count("SELECT count(*) AS n FROM sessions.authorizations WHERE candidate_id = $1 AND status = 'open'", [candidate])
        }, until: { $0 == 1 })
        #expect(known == 1)

        let replies = try await concurrently(40, width: 40) { index in
            try await api.book(sessions[index % 2], candidate: candidate, replica: index / 2)
        }
        #expect(replies.filter { $0.status == 201 }.count == 1, "\(replies.map(\.status))")
        #expect(replies.filter { $0.status == 409 }.allSatisfy { ["already-booked", "authorization-required", "authorization-not-open"].contains($0.problem ?? "") })
        #expect(try count("SELECT count(*) AS n FROM sessions.bookings WHERE candidate_id = $1 AND status IN ('confirmed', 'awaiting-payment')", [candidate]) == 1)
        let owner = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT status FROM authorizations.authorizations WHERE purchase_id = $1", ["\(prefix)-solo"])[0].decode("status", as: String.self)
        }, until: { $0 == "assigned" })
        #expect(owner == "assigned")
    }

    @Test func hundredCancellationsHandEverySeatToTheWaitlistOnceAndInOrder() async throws {
        let replicas = try await startReplicas()
        defer { replicas.forEach { $0.stop() } }
        let api = try await SessionsDriver(replicas)
        let session = try await api.publicSession(exam: try await api.exam(), capacity: 100)
        let prefix = self.prefix
        let seats = try await concurrently(100) { index in try await api.book(session, candidate: "cand-\(prefix)-seat-\(index)", replica: index) }
        #expect(seats.allSatisfy { $0.json["status"] as? String == "confirmed" })
        // 120 in line, joined one after another so the order is known.
        var line: [String] = []
        for index in 0..<120 {
            let reply = try await api.book(session, candidate: "cand-\(prefix)-wait-\(index)", json: #"{"waitlist":true}"#, replica: index)
            #expect(reply.json["status"] as? String == "waitlisted")
            line.append(try #require(reply.id))
        }

        let bookingIds = seats.compactMap(\.id)
        let cancellations = try await concurrently(100, width: 50) { index in
            try await api.call("POST", "/bookings/\(bookingIds[index])/cancel", as: try await api.token(.candidate, "cand-\(prefix)-seat-\(index)"), replica: index)
        }
        #expect(cancellations.allSatisfy { $0.status == 200 }, "\(cancellations.filter { $0.status != 200 }.map(\.text).prefix(3))")

        let id = UUID(uuidString: session)!
        #expect(try count("SELECT seats_taken AS n FROM sessions.sessions WHERE id = $1", [id]) == 100)
        let promoted = try admin.query(
            "SELECT id FROM sessions.bookings WHERE session_id = $1 AND status = 'confirmed' ORDER BY waitlist_position", [id]
        ).map { try $0.decode("id", as: UUID.self).uuidString.lowercased() }
        #expect(Set(promoted) == Set(line.prefix(100)), "exactly the first hundred in line hold the seats")
        let waiting = try admin.query("SELECT id FROM sessions.bookings WHERE session_id = $1 AND status = 'waitlisted'", [id])
            .map { try $0.decode("id", as: UUID.self).uuidString.lowercased() }
        #expect(Set(waiting) == Set(line.suffix(20)))

        // One confirmation per promoted booking, announced in line order.
        let announced = try admin.query(
            """
            SELECT body::jsonb -> 'data' -> 'booking' ->> 'bookingId' AS booking FROM sessions.outbox
            WHERE routing_key = 'booking.confirmed' AND (body::jsonb -> 'data' ->> 'fromWaitlist')::boolean
              AND body::jsonb -> 'data' -> 'booking' ->> 'sessionId' = $1 ORDER BY id
            """, [session]
        ).map { try $0.decode("booking", as: String.self) }
        #expect(announced == Array(line.prefix(100)))
    }
}
