import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The booking saga between the real `examhall-sessions` and `examhall-authorizations` processes,
/// through the real broker and database.
@Suite(.serialized) struct BookingSagaEndToEndTests {
    let admin = AdminDatabase()
    let prefix = "saga-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws { try TestStack.require() }

    /// Publishes a purchase and waits until the sessions service knows the Open authorization; returns its id.
    func purchase(candidate: String, exam: String) async throws -> String {
        let publisher = try TestPublisher()
        try publisher.publish(Fixtures.purchase("\(prefix)-\(UUID().uuidString.prefix(6))", candidate: Fixtures.candidate(candidate), examCode: exam))
        try publisher.confirm()
        let id = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT id FROM sessions.authorizations WHERE candidate_id = $1 AND exam_code = $2 AND status = 'open'", [candidate, exam])
                .first.map { try $0.decode("id", as: UUID.self).uuidString.lowercased() }
        }, until: { $0 != nil })
        return try #require(id, "the sessions service never saw the authorization")
    }

    /// The owner's status of an authorization and the booking it names, once it equals `status`.
    func owner(_ authorizationId: String, becomes status: String) async throws -> (status: String, bookingId: String?) {
        try await eventually(timeout: .seconds(60), {
            let row = try admin.query("SELECT status, booking_id FROM authorizations.authorizations WHERE id = $1", [UUID(uuidString: authorizationId)!])[0]
            return (try row.decode("status", as: String.self), try row.decode("booking_id", as: String?.self))
        }, until: { $0.status == status })
    }

    func bookingStatus(_ id: String) throws -> String {
        try admin.query("SELECT status FROM sessions.bookings WHERE id = $1", [UUID(uuidString: id)!])[0].decode("status")
    }

    func start() async throws -> (ServiceProcess, ServiceProcess) {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        try await sessions.start()
        try await authorizations.start()
        return (sessions, authorizations)
    }

    @Test func bookingAssignsTheAuthorizationAndCancellingOpensItAgain() async throws {
        let (sessions, authorizations) = try await start()
        defer { sessions.stop(); authorizations.stop() }
        let api = try await SessionsDriver([sessions])
        let exam = try await api.exam()
        let session = try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: true)
        let candidate = "cand-\(prefix)-1"

        let authorizationId = try await purchase(candidate: candidate, exam: exam)
        let booked = try await api.book(session, candidate: candidate)
        #expect(booked.status == 201, "\(booked.text)")
        let bookingId = try #require(booked.id)
        let assigned = try await owner(authorizationId, becomes: "assigned")
        #expect(assigned.status == "assigned")
        #expect(assigned.bookingId == bookingId)

        let cancelled = try await api.call("POST", "/bookings/\(bookingId)/cancel", as: try await api.token(.candidate, candidate))
        #expect(cancelled.status == 200)
        let reopened = try await owner(authorizationId, becomes: "open")
        #expect(reopened.status == "open")
        #expect(reopened.bookingId == nil)
        let history = try admin.query(
            "SELECT to_status FROM authorizations.authorization_history WHERE authorization_id = $1 ORDER BY id", [UUID(uuidString: authorizationId)!]
        ).map { try $0.decode("to_status", as: String.self) }
        #expect(history == ["open", "assigned", "open"])
    }

    @Test func aCSRAssignsTwoExamsToOnePrivateCommonSession() async throws {
        let (sessions, authorizations) = try await start()
        defer { sessions.stop(); authorizations.stop() }
        let api = try await SessionsDriver([sessions])
        let (cloud, data) = (try await api.exam(), try await api.exam())
        let session = try await api.privateCommonSession(exams: [cloud, data])
        let first = try await purchase(candidate: "cand-\(prefix)-a", exam: cloud)
        let second = try await purchase(candidate: "cand-\(prefix)-b", exam: data)
        for authorizationId in [first, second] {
            let reply = try await api.asCSR("POST", "/sessions/\(session)/bookings", json: #"{"authorizationId":"\#(authorizationId)"}"#)
            #expect(reply.status == 201, "\(reply.text)")
            let assigned = try await owner(authorizationId, becomes: "assigned")
            #expect(assigned.bookingId == reply.id)
        }
        let exams = try admin.query("SELECT exam_code FROM sessions.bookings WHERE session_id = $1 AND status = 'confirmed' ORDER BY exam_code", [UUID(uuidString: session)!])
            .map { try $0.decode("exam_code", as: String.self) }
        #expect(exams == [cloud, data].sorted())
    }

    /// The authorization is deactivated at the owner while the news is still on its way to sessions, so
    /// sessions books with it; the owner refuses, and sessions cancels the booking and frees the seat.
    @Test func theOwnersRefusalFreesTheSeat() async throws {
        let (sessions, authorizations) = try await start()
        defer { sessions.stop(); authorizations.stop() }
        let api = try await SessionsDriver([sessions])
        let exam = try await api.exam()
        let session = try await api.publicSession(exam: exam, capacity: 1, authorizationRequired: true)
        let candidate = "cand-\(prefix)-r"
        let authorizationId = try await purchase(candidate: candidate, exam: exam)

        // Hold back sessions' copy of the news: stop it, deactivate, and keep the event unacknowledged.
        sessions.stop()
        let csr = try await api.token(.csr, "csr-e2e")
        let deactivated = try await authorizations.send("POST", "/authorizations/\(authorizationId)/deactivate", token: csr, json: #"{"reason":"fraud check"}"#)
        #expect(deactivated.status == 200)
        let holder = try AMQPConnection.open(try TestStack.amqp("admin"))
        var held: [Delivery] = []
        let news = try await eventually(timeout: .seconds(30), {
            if let delivery = try holder.get("sessions.inbox", autoAck: false) { held.append(delivery) }
            return held.contains { $0.routingKey == "authorization.inactivated" && String(decoding: $0.body, as: UTF8.self).contains(authorizationId) }
        }, until: { $0 })
        #expect(news, "the inactivation never reached sessions' queue")

        try await sessions.start()
        let booked = try await api.book(session, candidate: candidate)
        #expect(booked.status == 201, "sessions still believes the authorization is Open: \(booked.text)")
        let bookingId = try #require(booked.id)
        let status = try await eventually(timeout: .seconds(60), { try bookingStatus(bookingId) }, until: { $0 == "rejected" })
        #expect(status == "rejected")
        let seats = try admin.query("SELECT seats_taken FROM sessions.sessions WHERE id = $1", [UUID(uuidString: session)!])[0].decode("seats_taken", as: Int.self)
        #expect(seats == 0)
        let told = try admin.query("SELECT count(*) AS n FROM sessions.outbox WHERE routing_key = 'booking.rejected' AND body LIKE $1", ["%\(bookingId)%"])[0]
        #expect(try told.decode("n", as: Int.self) == 1)
        #expect(try await owner(authorizationId, becomes: "inactive").bookingId == nil)

        // Let the held news through: it changes nothing more.
        holder.close()
        try await Task.sleep(for: .seconds(2))
        #expect(try bookingStatus(bookingId) == "rejected")
        #expect(await sessions.readiness() == 200)
    }
}
