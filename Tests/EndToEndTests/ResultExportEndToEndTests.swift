import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// From purchase to the verified result the external system receives, through the real executables.
@Suite(.serialized) struct ResultExportEndToEndTests {
    let admin = AdminDatabase()
    let prefix = "export-\(UUID().uuidString.prefix(8).lowercased())"
    static let fastExports = ["EXAMHALL_EXPORT_INTERVAL_SECONDS": "1"]

    init() throws { try TestStack.require() }

    /// Publishes purchases for `candidates` and waits until the sessions service can book with them.
    func purchase(_ candidates: [String], exam: String) async throws {
        let publisher = try TestPublisher()
        for candidate in candidates {
            try publisher.publish(Fixtures.purchase("\(prefix)-\(candidate)", candidate: Fixtures.candidate(candidate), examCode: exam))
        }
        try publisher.confirm()
        let known = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT count(*) AS n FROM sessions.authorizations WHERE candidate_id = ANY($1::text[]) AND status = 'open'", [candidates])[0].decode("n", as: Int.self)
        }, until: { $0 == candidates.count })
        #expect(known == candidates.count)
    }

    func waitFor(_ description: String, _ sql: String, _ parameters: [any PostgresEncodable], equals expected: Int) async throws {
        let value = try await eventually(timeout: .seconds(60), { try admin.query(sql, parameters)[0].decode("n", as: Int.self) }, until: { $0 == expected })
        #expect(value == expected, "\(description)")
    }

    /// Books every candidate, finishes their attempts as the delivery engine would, and returns the booking ids.
    func bookAndFinish(_ candidates: [String], session: String, api: SessionsDriver) async throws -> [String] {
        var bookings: [String] = []
        for candidate in candidates {
            let reply = try await api.book(session, candidate: candidate)
            #expect(reply.status == 201, "\(reply.text)")
            bookings.append(try #require(reply.id))
        }
        try await waitFor("attempts", "SELECT count(*) AS n FROM verification.attempts WHERE id = ANY($1::uuid[])", [bookings], equals: bookings.count)
        let engine = try TestPublisher()
        for booking in bookings {
            try engine.publish(DeliveryAttemptFinished(bookingId: booking, finishedAt: Date(), score: 81, maxScore: 100, passed: true))
        }
        try engine.confirm()
        try await waitFor("finished attempts", "SELECT count(*) AS n FROM verification.attempts WHERE id = ANY($1::uuid[]) AND status = 'finished'", [bookings], equals: bookings.count)
        return bookings
    }

    @Test func aVerifiedResultReachesTheExternalSystemExactlyOnce() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        let verification = ServiceProcess("verification", port: 18083, environment: Self.fastExports)
        for process in [sessions, authorizations, verification] { try await process.start() }
        defer { [sessions, authorizations, verification].forEach { $0.stop() } }
        let tap = try EventTap(routingKeys: ["result.verified"], exchange: .outbound)
        let api = try await SessionsDriver([sessions])

        let exam = try await api.exam()
        let session = try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: true)
        let proctor = try await api.asCSR("POST", "/proctors", json: #"{"name":"Pat","email":"pat-\#(prefix)@example.org"}"#)
        let proctorId = try #require(proctor.id)
        #expect(try await api.asCSR("PUT", "/sessions/\(session)/proctors/\(proctorId)").status == 200)
        let candidate = "cand-\(prefix)"
        try await purchase([candidate], exam: exam)
        let attemptId = try #require(try await bookAndFinish([candidate], session: session, api: api).first)
        try await waitFor("proctor assignment", "SELECT count(*) AS n FROM verification.session_proctors WHERE session_id = $1", [session], equals: 1)

        let report = try await verification.send("POST", "/attempts/\(attemptId)/report", token: try await api.token(.proctor, proctorId), json: #"{"rating":5,"notes":"no incidents"}"#)
        #expect(report.status == 200, "\(String(decoding: report.body, as: UTF8.self))")
        let verdict = try await verification.send("POST", "/attempts/\(attemptId)/verdict", token: try await api.token(.csr, "csr-e2e"), json: #"{"verdict":"positive","comment":"clean session"}"#)
        #expect(verdict.status == 200)

        // Results of earlier tests' attempts may pass the tap too; only this attempt's count.
        func ours(_ deliveries: [Delivery]) -> [CloudEvent<ResultVerified>] {
            deliveries.compactMap { try? EnvelopeDecoder.decode(ResultVerified.self, from: $0.body) }.filter { $0.data.bookingId == attemptId }
        }
        var received = try tap.drain(quiet: .seconds(30), timeout: .seconds(60)) { !ours($0).isEmpty }
        received += try tap.drain(quiet: .seconds(3), timeout: .seconds(10))
        #expect(ours(received).count == 1)
        let event = try #require(ours(received).first)
        #expect(event.id == "result-verified-\(attemptId)")
        #expect(event.data.purchaseId == "\(prefix)-\(candidate)")
        #expect(event.data.candidateExternalId == candidate)
        #expect(event.data.examCode == exam)
        #expect(event.data.score == 81)
        #expect(event.data.proctorRating == 5)
        #expect(event.data.verdict == .positive)
        let result = try await verification.send("GET", "/attempts/\(attemptId)/result", token: try await api.token(.candidate, candidate))
        #expect(result.status == 200)
    }

    /// Two replicas export while one of them is killed and restarted: every attempt's result arrives
    /// under one message id, at most twice, and no attempt is left out.
    @Test func twoReplicasAndAKillNeverExportTwiceUnderDifferentIds() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        let authorizations = ServiceProcess("authorizations", port: 18082)
        let first = ServiceProcess("verification", port: 18083, environment: Self.fastExports)
        let second = ServiceProcess("verification", port: 18183, environment: Self.fastExports)
        for process in [sessions, authorizations, first, second] { try await process.start() }
        defer { [sessions, authorizations, first, second].forEach { $0.stop() } }
        let tap = try EventTap(routingKeys: ["result.verified"], exchange: .outbound)
        let api = try await SessionsDriver([sessions])

        let exam = try await api.exam()
        let session = try await api.publicSession(exam: exam, capacity: 40, authorizationRequired: true)
        let candidates = (0..<30).map { "cand-\(prefix)-\($0)" }
        try await purchase(candidates, exam: exam)
        let attempts = try await bookAndFinish(candidates, session: session, api: api)

        let csr = try await api.token(.csr, "csr-e2e")
        for (index, attempt) in attempts.enumerated() {
            let replica = index % 2 == 0 ? first : second
            if index == 15 { first.kill() }
            if index == 15 || !replica.isRunning {
                let reply = try await second.send("POST", "/attempts/\(attempt)/verdict", token: csr, json: #"{"verdict":"positive"}"#)
                #expect(reply.status == 200)
            } else {
                let reply = try await replica.send("POST", "/attempts/\(attempt)/verdict", token: csr, json: #"{"verdict":"positive"}"#)
                #expect(reply.status == 200)
            }
        }
        try await first.start()
        try await waitFor("exports confirmed", """
            SELECT count(*) AS n FROM verification.outbox WHERE routing_key = 'result.verified' AND sent_at IS NOT NULL
              AND body::jsonb -> 'data' ->> 'bookingId' = ANY($1::text[])
            """, [attempts], equals: 30)

        let received = try tap.drain(quiet: .seconds(4), timeout: .seconds(60))
        var idsByAttempt: [String: Set<String>] = [:]
        var deliveriesByAttempt: [String: Int] = [:]
        // A result of an earlier test (exported late, or again after its replica stopped) may pass the tap too.
        let ours = Set(attempts)
        for delivery in received {
            let event = try EnvelopeDecoder.decode(ResultVerified.self, from: delivery.body)
            guard ours.contains(event.data.bookingId) else { continue }
            idsByAttempt[event.data.bookingId, default: []].insert(event.id)
            deliveriesByAttempt[event.data.bookingId, default: 0] += 1
        }
        #expect(Set(idsByAttempt.keys) == Set(attempts), "every attempt exported")
        #expect(idsByAttempt.values.allSatisfy { $0.count == 1 }, "one message id per attempt")
        #expect(deliveriesByAttempt.values.allSatisfy { $0 <= 2 }, "at most twice: \(deliveriesByAttempt.values.filter { $0 > 2 })")
        try await waitFor("attempts exported once", "SELECT count(*) AS n FROM verification.attempts WHERE id = ANY($1::uuid[]) AND exported_at IS NOT NULL", [attempts], equals: 30)
    }
}
