import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The exam lifecycle to its end, through the real executables: public bookings connect the
/// candidate's authorization, finished attempts complete their bookings, used authorizations stay
/// used, no-shows follow the exam's policy, and the exam can be taken again.
@Suite(.serialized) struct LifecycleEndToEndTests {
    let admin = AdminDatabase()
    let prefix = "life-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws { try TestStack.require() }

    func count(_ sql: String, _ parameters: [any PostgresEncodable]) throws -> Int {
        try admin.query(sql, parameters)[0].decode("n", as: Int.self)
    }

    func waitFor(_ description: String, _ sql: String, _ parameters: [any PostgresEncodable], equals expected: Int) async throws {
        let value = try await eventually(timeout: .seconds(60), { try count(sql, parameters) }, until: { $0 == expected })
        #expect(value == expected, "\(description)")
    }

    func authorizationStatus(purchase: String) throws -> String? {
        try admin.query("SELECT status FROM authorizations.authorizations WHERE purchase_id = $1", [purchase]).first?.decode("status")
    }

    /// Publishes a purchase under the correlation id `purchaseId`, and waits until the sessions service
    /// can book with its authorization.
    func purchase(_ purchaseId: String, candidate: String, exam: String) async throws {
        let publisher = try TestPublisher()
        try publisher.publish(Fixtures.purchase(purchaseId, candidate: Fixtures.candidate(candidate), examCode: exam), correlationId: "corr-\(purchaseId)")
        try publisher.confirm()
        try await waitFor("\(purchaseId) known to sessions", "SELECT count(*) AS n FROM sessions.authorizations WHERE purchase_id = $1 AND status = 'open'", [purchaseId], equals: 1)
    }

    func createExam(_ api: SessionsDriver, verificationRequired: Bool = true, noShowPolicy: NoShowPolicy = .forfeit) async throws -> String {
        let code = "LIFE-\(UUID().uuidString.prefix(8))"
        let reply = try await api.asCSR("POST", "/exams", json: """
            {"code":"\(code)","title":"Exam \(code)","durationMinutes":60,"verificationRequired":\(verificationRequired),"noShowPolicy":"\(noShowPolicy.rawValue)"}
            """)
        #expect(reply.status == 201, "\(reply.text)")
        #expect(reply.json["verificationRequired"] as? Bool == verificationRequired)
        #expect(reply.json["noShowPolicy"] as? String == noShowPolicy.rawValue)
        return code
    }

    func bookingStatus(_ api: SessionsDriver, _ bookingId: String) async throws -> String? {
        try await api.asCSR("GET", "/bookings/\(bookingId)").json["status"] as? String
    }

    @Test func aPublicBookingConnectsItsAuthorizationCompletesAndAllowsARetake() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        let verification = ServiceProcess("verification", port: 18083, environment: ["EXAMHALL_EXPORT_INTERVAL_SECONDS": "1"])
        for process in [sessions, authorizations, verification] { try await process.start() }
        defer { [sessions, authorizations, verification].forEach { $0.stop() } }
        let tap = try EventTap(routingKeys: ["result.verified"], exchange: .outbound)
        let api = try await SessionsDriver([sessions])

        // An exam whose results need no CSR: its finished attempts are verified by the system.
        let exam = try await createExam(api, verificationRequired: false)
        try await waitFor("exam known to verification", "SELECT count(*) AS n FROM verification.exams WHERE code = $1 AND NOT verification_required", [exam], equals: 1)
        let session = try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: false)
        let candidate = "cand-\(prefix)"
        let firstPurchase = "\(prefix)-first"
        try await purchase(firstPurchase, candidate: candidate, exam: exam)

        // The session does not require an authorization, but the candidate's Open one is connected.
        let booked = try await api.book(session, candidate: candidate)
        #expect(booked.status == 201, "\(booked.text)")
        let bookingId = try #require(booked.id)
        let authorizationId = try #require(booked.json["authorizationId"] as? String)
        #expect(try await api.asCSR("GET", "/bookings/\(bookingId)").json["authorizationId"] as? String == authorizationId)
        try await waitFor("authorization Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'assigned'", [firstPurchase], equals: 1)

        // The delivery engine runs the exam.
        try await waitFor("attempt", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1", [bookingId], equals: 1)
        let engine = try TestPublisher()
        try engine.publish(DeliveryAttemptStarted(bookingId: bookingId, startedAt: Date()))
        try engine.publish(DeliveryAttemptFinished(bookingId: bookingId, finishedAt: Date(), score: 77, maxScore: 100, passed: true))
        try engine.confirm()
        let status = try await eventually(timeout: .seconds(60), { try await bookingStatus(api, bookingId) }, until: { $0 == "completed" })
        #expect(status == "completed")

        // Final: a CSR can no longer cancel or move it, and the used authorization stays Assigned.
        let cancel = try await api.asCSR("POST", "/bookings/\(bookingId)/cancel", json: #"{"reason":"trying"}"#)
        #expect(cancel.status == 409)
        #expect(cancel.problem == "booking-completed")
        let other = try await api.publicSession(exam: exam, capacity: 5)
        let transfer = try await api.asCSR("POST", "/bookings/\(bookingId)/transfer", json: #"{"sessionId":"\#(other)"}"#)
        #expect(transfer.status == 409)
        #expect(transfer.problem == "booking-completed")
        #expect(try authorizationStatus(purchase: firstPurchase) == "assigned")
        #expect(try count("SELECT count(*) AS n FROM sessions.authorizations WHERE id = $1 AND status = 'assigned'", [authorizationId]) == 1)

        // Verified by the system, and exported exactly once.
        func ours(_ deliveries: [Delivery]) -> [CloudEvent<ResultVerified>] {
            deliveries.compactMap { try? EnvelopeDecoder.decode(ResultVerified.self, from: $0.body) }.filter { $0.data.bookingId == bookingId }
        }
        var received = try tap.drain(quiet: .seconds(30), timeout: .seconds(60)) { !ours($0).isEmpty }
        received += try tap.drain(quiet: .seconds(3), timeout: .seconds(10))
        #expect(ours(received).count == 1)
        let result = try #require(ours(received).first)
        #expect(result.data.purchaseId == firstPurchase)
        #expect(result.correlationid == "corr-\(firstPurchase)", "the result carries the correlation id of the purchase it closes")
        #expect(result.data.authorizationId == authorizationId)
        #expect(result.data.verdict == .positive)
        #expect(try count("SELECT count(*) AS n FROM verification.attempt_audit WHERE attempt_id = $1 AND action = 'verdict' AND actor = 'system'", [bookingId]) == 1)

        // A retake: with a second purchase, the same exam is booked again and connected to the new authorization.
        let secondPurchase = "\(prefix)-second"
        try await purchase(secondPurchase, candidate: candidate, exam: exam)
        let retake = try await api.book(other, candidate: candidate)
        #expect(retake.status == 201, "\(retake.text)")
        let retakeAuthorization = try #require(retake.json["authorizationId"] as? String)
        #expect(retakeAuthorization != authorizationId)
        try await waitFor("retake's authorization Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'assigned'", [secondPurchase], equals: 1)
        #expect(try authorizationStatus(purchase: firstPurchase) == "assigned")
    }

    @Test func aBookingCancelledAfterItsAttemptStartedKeepsItsAuthorizationUsed() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        let verification = ServiceProcess("verification", port: 18083)
        for process in [sessions, authorizations, verification] { try await process.start() }
        defer { [sessions, authorizations, verification].forEach { $0.stop() } }
        let api = try await SessionsDriver([sessions])

        let exam = try await api.exam()
        let session = try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: true)
        let candidate = "cand-\(prefix)-started"
        let purchaseId = "\(prefix)-started"
        try await purchase(purchaseId, candidate: candidate, exam: exam)
        let bookingId = try #require(try await api.book(session, candidate: candidate).id)
        try await waitFor("attempt", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1", [bookingId], equals: 1)
        let engine = try TestPublisher()
        try engine.publish(DeliveryAttemptStarted(bookingId: bookingId, startedAt: Date()))
        try engine.confirm()
        try await waitFor("start known to sessions", "SELECT count(*) AS n FROM sessions.bookings WHERE id = $1 AND attempt_started_at IS NOT NULL", [bookingId], equals: 1)
        try await waitFor("start known to authorizations", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND attempt_started_at IS NOT NULL", [purchaseId], equals: 1)

        let cancel = try await api.asCSR("POST", "/bookings/\(bookingId)/cancel", json: #"{"reason":"left the room"}"#)
        #expect(cancel.status == 200, "\(cancel.text)")
        try await waitFor("the cancellation seen by authorizations", """
            SELECT count(*) AS n FROM authorizations.authorization_history h JOIN authorizations.authorizations a ON a.id = h.authorization_id
            WHERE a.purchase_id = $1 AND h.reason LIKE '%stays assigned: used%'
            """, [purchaseId], equals: 1)
        #expect(try authorizationStatus(purchase: purchaseId) == "assigned")
        // Nor does the sessions service offer it for another booking.
        let again = try await api.book(try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: true), candidate: candidate)
        #expect(again.status == 409)
        #expect(again.problem == "authorization-required")
    }

    /// A retake booked, over and over through two replicas of sessions and of authorizations, while the
    /// first attempt's finish is being applied: it is refused while the first booking is active and
    /// accepted once it is completed, never leaving two active bookings for the exam, and the used
    /// authorization is never Open on the way.
    @Test func aRetakeRacingTheFinishOfTheFirstAttemptOnTwoReplicas() async throws {
        let sessions = [ServiceProcess("sessions", port: 18081), ServiceProcess("sessions", port: 18181)]
        let authorizations = [ServiceProcess("authorizations", port: 18082), ServiceProcess("authorizations", port: 18182)]
        let verification = ServiceProcess("verification", port: 18083)
        let all = sessions + authorizations + [verification]
        for process in all { try await process.start() }
        defer { all.forEach { $0.stop() } }
        let api = try await SessionsDriver(sessions)

        let exam = try await api.exam()
        let first = try await api.publicSession(exam: exam, capacity: 5)
        let retakeSession = try await api.publicSession(exam: exam, capacity: 5)
        let candidate = "cand-\(prefix)-race"
        let firstPurchase = "\(prefix)-race-1", secondPurchase = "\(prefix)-race-2"
        try await purchase(firstPurchase, candidate: candidate, exam: exam)
        let bookingId = try #require(try await api.book(first, candidate: candidate).id)
        try await waitFor("the first authorization Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'assigned'", [firstPurchase], equals: 1)
        try await purchase(secondPurchase, candidate: candidate, exam: exam)
        try await waitFor("the attempt", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1", [bookingId], equals: 1)

        // The engine reports the attempt while the candidate keeps asking for the retake on both replicas.
        let engine = try TestPublisher()
        try engine.publish(DeliveryAttemptStarted(bookingId: bookingId, startedAt: Date()))
        try engine.publish(DeliveryAttemptFinished(bookingId: bookingId, finishedAt: Date(), score: 55, maxScore: 100, passed: false))
        try engine.confirm()
        let booked = Flag()
        let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
            for replica in 0..<2 {
                group.addTask {
                    var seen: [String] = []
                    for _ in 0..<2000 {
                        let reply = try await api.book(retakeSession, candidate: candidate, replica: replica)
                        let outcome = reply.status == 201 ? "booked" : reply.problem ?? "\(reply.status)"
                        seen.append(outcome)
                        if outcome == "booked" { await booked.set() }
                        // Once the retake is booked (here or on the other replica), one more answer is enough.
                        if await booked.value { break }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return seen
                }
            }
            var all: [String] = []
            for try await seen in group { all += seen }
            return all
        }
        #expect(outcomes.filter { $0 == "booked" }.count == 1, "the retake is booked exactly once: \(Set(outcomes))")
        #expect(Set(outcomes).isSubset(of: ["booked", "already-booked"]), "every other answer is already-booked: \(Set(outcomes))")
        #expect(try count(
            "SELECT count(*)::int AS n FROM sessions.bookings WHERE candidate_id = $1 AND exam_code = $2 AND status IN ('confirmed', 'awaiting-payment', 'waitlisted')",
            [candidate, exam]
        ) == 1, "one active booking for the exam")
        #expect(try await bookingStatus(api, bookingId) == "completed")
        try await waitFor("the retake's authorization Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'assigned'", [secondPurchase], equals: 1)
        #expect(try authorizationStatus(purchase: firstPurchase) == "assigned")
        #expect(try count("""
            SELECT count(*)::int AS n FROM authorizations.authorization_history h JOIN authorizations.authorizations a ON a.id = h.authorization_id
            WHERE a.purchase_id = $1 AND h.to_status = 'open' AND h.from_status IS NOT NULL
            """, [firstPurchase]) == 0, "the used authorization was never Open again")
    }

    /// Exam day: once the session has started a CSR still adds a walk-in (a candidate cannot book
    /// any more), and voids an attempt that did not count: the attempt is `voided`, the booking
    /// cancelled and the authorization, used as it was, Open again; the voiding is audited.
    @Test func aCSRAddsAWalkInAndVoidsAnAttemptDuringTheSession() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        let verification = ServiceProcess("verification", port: 18083)
        for process in [sessions, authorizations, verification] { try await process.start() }
        defer { [sessions, authorizations, verification].forEach { $0.stop() } }
        let api = try await SessionsDriver([sessions])

        let exam = try await api.exam()
        let candidate = "cand-\(prefix)-voided"
        let purchaseId = "\(prefix)-voided"
        try await purchase(purchaseId, candidate: candidate, exam: exam)
        // A session starting in a few seconds, booked before it starts.
        let start = Date().addingTimeInterval(4)
        let created = try await api.asCSR("POST", "/sessions", json: """
            {"locationId":"\(try await api.location())","name":"Under way \(prefix)","examCodes":["\(exam)"],"selfEnrollment":true,"capacity":5,
             "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 3600))"}}
            """)
        let session = try #require(created.id, "\(created.text)")
        let bookingId = try #require(try await api.book(session, candidate: candidate).id)
        try await waitFor("the authorization Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'assigned'", [purchaseId], equals: 1)
        try await waitFor("the attempt", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1", [UUID(uuidString: bookingId)!], equals: 1)
        _ = try await eventually(timeout: .seconds(10), { Date() }, until: { $0 > start })

        // Under way: a candidate can no longer book, a CSR still adds a walk-in.
        let late = try await api.book(session, candidate: "cand-\(prefix)-late")
        #expect(late.status == 409 && late.problem == "session-started", "\(late.text)")
        let walkIn = try await api.asCSR("POST", "/sessions/\(session)/bookings", json: """
            {"candidateId":"cand-\(prefix)-walk-in","candidate":{"name":"Walk In","email":"walk-in-\(prefix)@example.org","language":"en","timeZone":"Europe/Paris"}}
            """)
        #expect(walkIn.status == 201 && walkIn.json["status"] as? String == "confirmed", "\(walkIn.text)")

        // The attempt starts, then does not count.
        let engine = try TestPublisher()
        try engine.publish(DeliveryAttemptStarted(bookingId: bookingId, startedAt: Date()))
        try engine.confirm()
        try await waitFor("the start known to authorizations", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND attempt_started_at IS NOT NULL", [purchaseId], equals: 1)
        let csr = try await api.token(.csr, "csr-e2e")
        let empty = try await verification.send("POST", "/attempts/\(bookingId)/void", token: csr, json: #"{"reason":""}"#)
        #expect(empty.status == 422, "a voiding needs its reason")
        let voided = try await verification.send("POST", "/attempts/\(bookingId)/void", token: csr, json: #"{"reason":"fire alarm: the room was evacuated"}"#)
        #expect(voided.status == 200, "\(String(decoding: voided.body, as: UTF8.self))")
        let again = try await verification.send("POST", "/attempts/\(bookingId)/void", token: csr, json: #"{"reason":"twice"}"#)
        #expect(again.status == 409 && String(decoding: again.body, as: UTF8.self).contains("attempt-voided"))

        let status = try await eventually(timeout: .seconds(60), { try await bookingStatus(api, bookingId) }, until: { $0 == "cancelled" })
        #expect(status == "cancelled", "the booking is cancelled")
        try await waitFor("the authorization Open and unused", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'open' AND attempt_started_at IS NULL", [purchaseId], equals: 1)
        try await waitFor("Open in the sessions projection too", "SELECT count(*) AS n FROM sessions.authorizations WHERE purchase_id = $1 AND status = 'open'", [purchaseId], equals: 1)
        #expect(try count("SELECT count(*) AS n FROM verification.attempt_audit WHERE attempt_id = $1 AND action = 'voided' AND detail LIKE 'fire alarm%' AND actor = 'csr:csr-e2e'", [UUID(uuidString: bookingId)!]) == 1)
        #expect(try count("SELECT count(*) AS n FROM verification.attempts WHERE id = $1 AND status = 'voided'", [UUID(uuidString: bookingId)!]) == 1)
    }

    /// A session moved past the end of an Assigned authorization's validity: when the validity ends,
    /// before the session, the authorization expires, the booking is cancelled and its seat freed, and
    /// the candidate gets the email for it in their language.
    @Test func anAssignedAuthorizationExpiringBeforeItsSessionCancelsTheBooking() async throws {
        let sink = SMTPSink(port: 18294)
        try sink.start()
        defer { sink.stop() }
        // Other tests' booking events wait in the notifications inbox while no notifications service runs.
        let broker = try AMQPConnection.open(try TestStack.amqp("admin"))
        _ = try? broker.purgeQueue("notifications.inbox")
        broker.close()
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082, environment: ["EXAMHALL_EXPIRY_INTERVAL_SECONDS": "1"])
        let notifications = ServiceProcess("notifications", port: 18084, environment: ["EXAMHALL_SMTP_URL": sink.url, "EXAMHALL_MAIL_POLL_MILLISECONDS": "100"])
        for process in [sessions, authorizations, notifications] { try await process.start() }
        defer { [sessions, authorizations, notifications].forEach { $0.stop() } }
        let api = try await SessionsDriver([sessions])

        // Valid for 40 seconds, booked into a session that ends within them.
        let exam = try await api.exam()
        let start = Date().addingTimeInterval(25)
        let created = try await api.asCSR("POST", "/sessions", json: """
            {"locationId":"\(try await api.location())","name":"Soon \(prefix)","examCodes":["\(exam)"],"selfEnrollment":true,"capacity":5,
             "authorizationRequired":true,"availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 5))"}}
            """)
        let session = try #require(created.id, "\(created.text)")
        let candidate = "cand-\(prefix)-expiring"
        let purchaseId = "\(prefix)-expiring"
        let publisher = try TestPublisher()
        let profile = CandidateProfile(externalId: candidate, firstName: "Jeanne", lastName: "Baret", email: "\(candidate)@example.org", language: "fr", timeZone: "Europe/Paris")
        try publisher.publish(Fixtures.purchase(purchaseId, candidate: profile, examCode: exam, validUntil: Date().addingTimeInterval(40)))
        try publisher.confirm()
        try await waitFor("the purchase known to sessions", "SELECT count(*) AS n FROM sessions.authorizations WHERE purchase_id = $1 AND status = 'open'", [purchaseId], equals: 1)
        let booked = try await api.book(session, candidate: candidate)
        let bookingId = try #require(booked.id, "\(booked.text)")
        try await waitFor("the authorization Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'assigned'", [purchaseId], equals: 1)

        // The CSR moves the session to next week: the validity now ends before it.
        let later = Date().addingTimeInterval(7 * 86_400)
        let moved = try await api.asCSR("PATCH", "/sessions/\(session)", json: """
            {"availability":{"start":"\(Timestamp.format(later))","end":"\(Timestamp.format(later + 3600))"}}
            """)
        #expect(moved.status == 200, "\(moved.text)")
        try await waitFor("the new start known to authorizations", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND session_start > now() + interval '6 days'", [purchaseId], equals: 1)
        // Until the validity ends it stays Assigned.
        #expect(try authorizationStatus(purchase: purchaseId) == "assigned")

        try await waitFor("the authorization expired", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'inactive' AND inactivation_reason = 'expired'", [purchaseId], equals: 1)
        let status = try await eventually(timeout: .seconds(60), { try await bookingStatus(api, bookingId) }, until: { $0 == "cancelled" })
        #expect(status == "cancelled", "the booking is cancelled with it")
        let occupancy = try await api.asCSR("GET", "/sessions/\(session)").json["occupancy"] as? [String: Any]
        #expect(occupancy?["seatsBooked"] as? Int == 0, "the seat is free again")
        let emails = try await eventually(timeout: .seconds(60), {
            try sink.messages().filter { $0.contains("X-Envelope-To: \(candidate)@example.org") }
                .filter { try ReceivedMail($0).parts.contains { $0.body.contains("expired before this session, so your booking is cancelled") } }
        }, until: { !$0.isEmpty })
        // In the language of the contact the booking carried (the candidate's token here: English).
        #expect(emails.count == 1, "the candidate is told")
    }

    @Test func noShowsFollowTheExamsPolicy() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        let verification = ServiceProcess("verification", port: 18083, environment: ["EXAMHALL_NO_SHOW_INTERVAL_SECONDS": "1"])
        for process in [sessions, authorizations, verification] { try await process.start() }
        defer { [sessions, authorizations, verification].forEach { $0.stop() } }
        let api = try await SessionsDriver([sessions])
        let tap = try EventTap(routingKeys: ["attempt.no_show", "booking.no_show"])

        var bookings: [NoShowPolicy: (booking: String, purchase: String)] = [:]
        for policy in NoShowPolicy.allCases {
            let exam = try await createExam(api, noShowPolicy: policy)
            let session = try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: true)
            let candidate = "cand-\(prefix)-\(policy.rawValue)"
            let purchaseId = "\(prefix)-\(policy.rawValue)"
            try await purchase(purchaseId, candidate: candidate, exam: exam)
            let booked = try await api.book(session, candidate: candidate)
            #expect(booked.status == 201, "\(booked.text)")
            bookings[policy] = (try #require(booked.id), purchaseId)
        }
        let ids = bookings.values.map(\.booking)
        try await waitFor("attempts", "SELECT count(*) AS n FROM verification.attempts WHERE id = ANY($1::uuid[])", [ids], equals: 2)
        try await waitFor("authorizations Assigned", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = ANY($1::text[]) AND status = 'assigned'", [bookings.values.map(\.purchase)], equals: 2)
        // The sessions took place without them: their times are moved into the past, more than the hour of grace ago.
        _ = try admin.query(
            "UPDATE verification.attempts SET session_start = now() - interval '4 hours', session_end = now() - interval '2 hours' WHERE id = ANY($1::uuid[])",
            [ids]
        )
        for (policy, booking) in bookings {
            let status = try await eventually(timeout: .seconds(60), { try await bookingStatus(api, booking.booking) }, until: { $0 == "no-show" })
            #expect(status == "no-show", "\(policy)")
            let cancel = try await api.asCSR("POST", "/bookings/\(booking.booking)/cancel")
            #expect(cancel.problem == "booking-no-show")
        }
        let released = try #require(bookings[.release])
        try await waitFor("released under 'release'", "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = $1 AND status = 'open'", [released.purchase], equals: 1)
        let forfeited = try #require(bookings[.forfeit])
        try await waitFor("forfeit noted", """
            SELECT count(*) AS n FROM authorizations.authorization_history h JOIN authorizations.authorizations a ON a.id = h.authorization_id
            WHERE a.purchase_id = $1 AND h.reason LIKE 'no-show (policy: forfeit)%'
            """, [forfeited.purchase], equals: 1)
        #expect(try authorizationStatus(purchase: forfeited.purchase) == "assigned")

        // Each event once, with the policy it was decided by.
        let events = try tap.drain(quiet: .seconds(2), timeout: .seconds(30))
        let noShows = events.compactMap { try? EnvelopeDecoder.decode(BookingNoShow.self, from: $0.body) }.filter { ids.contains($0.data.booking.bookingId) }
        #expect(Dictionary(grouping: noShows, by: \.data.noShowPolicy).mapValues(\.count) == [.forfeit: 1, .release: 1])
        let attemptNoShows = events.compactMap { try? EnvelopeDecoder.decode(AttemptNoShow.self, from: $0.body) }.filter { ids.contains($0.data.bookingId) }
        #expect(attemptNoShows.count == 2)
    }
}

/// Set once, read by every task of a race.
private actor Flag {
    private(set) var value = false
    func set() { value = true }
}
