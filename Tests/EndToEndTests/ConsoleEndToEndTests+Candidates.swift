import ExamHallModels
import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// Candidates in the console, through the real executables and a real SMTP server: sign-in by emailed
/// link, booking in their language, moving and cancelling, the waitlist, results; a proctor's exam day;
/// and the defences of the sign-in link and of candidates' pages.
extension ConsoleEndToEndTests {
    @Test func candidatesSignInByLinkAndBookInTheirLanguage() async throws {
        let sink = SMTPSink(port: 18292)
        try sink.start()
        defer { sink.stop() }
        let stack = try ConsoleStack(consoleEnvironment: ["EXAMHALL_SMTP_URL": sink.url])
        try await start(stack)
        defer { stack.stop() }
        let api = try await SessionsDriver([stack.services["sessions"]!])
        let (bought, waitlisted, sat) = (try await api.exam(), try await api.exam(), try await api.exam())

        // Two candidates whose purchases the console has heard of: Marie reads English, Jean French.
        let marie = try await purchase("marie", first: "Marie", last: "Curie-\(tag)", exam: bought)
        let jean = try await purchase("jean", first: "Jean", last: "Moulin-\(tag)", exam: bought, language: "fr")
        let known = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT count(*)::int AS n FROM console.candidates WHERE candidate_id = ANY($1::text[])", [[marie, jean]])[0].decode("n", as: Int.self)
        }, until: { $0 == 2 })
        #expect(known == 2, "the console learnt both candidates from their purchases")

        // Sessions to book and to move to; a full one (another exam) with its only seat taken.
        let first = "Morning sitting \(tag)", second = "Afternoon sitting \(tag)", full = "Full sitting \(tag)"
        _ = try await session(api, named: first, exam: bought, daysAhead: 10)
        let secondSession = try await session(api, named: second, exam: bought, daysAhead: 11)
        let paid = "Paid sitting \(tag)"
        _ = try await session(api, named: paid, exam: waitlisted, daysAhead: 13, price: 150)
        let fullSession = try await session(api, named: full, exam: waitlisted, daysAhead: 12, capacity: 1)
        let seated = try #require(try await api.book(fullSession, candidate: "\(tag)-seated").id)

        // An in-person session Marie is booked in, staffed by a proctor who signs in to the console.
        let satSession = try await session(api, named: "Sat \(tag)", exam: sat, daysAhead: 2)
        let attempt = try #require(try await api.book(satSession, candidate: marie).id)
        let proctorName = "Pat Proctor \(tag)"
        let registered = try await api.asCSR("POST", "/proctors", json: #"{"name":"\#(proctorName)","email":"pat-\#(tag)@example.org"}"#)
        let proctorId = try #require(registered.id, "\(registered.text)")
        let assigned = try await api.asCSR("PUT", "/sessions/\(satSession)/proctors/\(proctorId)")
        #expect(assigned.status == 200 || assigned.status == 204, "\(assigned.text)")
        let proctorPassword = "pat proctors with care"
        let proctorEmail = try account(role: "proctor", password: proctorPassword, proctorId: proctorId)
        let ready = try await eventually(timeout: .seconds(60), {
            try admin.query(
                """
                SELECT (SELECT count(*) FROM verification.attempts WHERE id = $1)::int + (SELECT count(*) FROM verification.session_proctors WHERE session_id = $2)::int AS n
                """,
                [UUID(uuidString: attempt)!, satSession]
            )[0].decode("n", as: Int.self)
        }, until: { $0 == 2 })
        #expect(ready == 2, "verification knows the attempt and its proctor")

        let run = try stack.runScript("candidate_browser.py", environment: [
            "CONSOLE_MAIL_DIR": sink.directory.path, "CONSOLE_SCREENSHOTS": Self.screenshots, "CONSOLE_TAG": tag,
            "CONSOLE_EMAIL": stack.adminEmail, "CONSOLE_PASSWORD": stack.adminPassword,
            "CANDIDATE_EN": "\(marie)@example.org", "CANDIDATE_FR": "\(jean)@example.org",
            "SESSION_FIRST": first, "SESSION_SECOND": second, "SESSION_FULL": full, "SESSION_SECOND_ID": secondSession, "SESSION_PAID": paid, "SEATED_BOOKING": seated,
            "ATTEMPT": attempt, "PROCTOR_EMAIL": proctorEmail, "PROCTOR_PASSWORD": proctorPassword, "SESSION_SAT": "Sat \(tag)",
        ])
        #expect(run.status == 0, "\(run.text)\nconsole log:\n\(stack.console.logTail(40))")

        // What the browser did is what the services hold.
        let marieBookings = try admin.query(
            "SELECT s.name, b.status FROM sessions.bookings b JOIN sessions.sessions s ON s.id = b.session_id WHERE b.candidate_id = $1 ORDER BY s.name", [marie]
        ).map { "\(try $0.decode("name", as: String.self))=\(try $0.decode("status", as: String.self))" }
        #expect(marieBookings == ["\(second)=cancelled", "\(full)=confirmed", "Sat \(tag)=completed"], "Marie moved, cancelled, and was promoted from the waitlist")
        let authorization = try admin.query("SELECT status FROM authorizations.authorizations WHERE candidate_id = $1 AND exam_code = $2", [marie, bought])[0]
            .decode("status", as: String.self)
        #expect(authorization == "open", "Marie's cancelled booking gave her authorization back")
        let jeanBooked = try admin.query("SELECT count(*)::int AS n FROM sessions.bookings WHERE candidate_id = $1 AND status = 'confirmed'", [jean])[0]
            .decode("n", as: Int.self)
        #expect(jeanBooked == 1, "Jean booked in French")
        let held = try admin.query("SELECT count(*)::int AS n FROM sessions.bookings WHERE candidate_id = $1 AND status = 'awaiting-payment'", [jean])[0]
            .decode("n", as: Int.self)
        #expect(held == 1, "Jean's seat in the paid session is held for payment")
        let marked = try admin.query("SELECT status, score, verdict FROM verification.attempts WHERE id = $1", [UUID(uuidString: attempt)!])[0]
        #expect(try marked.decode("status", as: String.self) == "finished" && marked.decode("score", as: Double?.self) == 74, "the proctor marked the attempt")
        let incidents = try admin.query("SELECT jsonb_array_length(incidents::jsonb) AS n FROM verification.proctor_reports WHERE attempt_id = $1", [UUID(uuidString: attempt)!])
        #expect(try incidents.first?.decode("n", as: Int.self) == 1, "the proctor's report holds the incident")
    }

    @Test func candidateLinksAndPagesHoldAgainstMisuse() async throws {
        let sink = SMTPSink(port: 18293)
        try sink.start()
        defer { sink.stop() }
        let stack = try ConsoleStack(services: ["sessions", "authorizations"], consoleEnvironment: ["EXAMHALL_SMTP_URL": sink.url])
        try await start(stack)
        defer { stack.stop() }
        let api = try await SessionsDriver([stack.services["sessions"]!])
        let exam = try await api.exam()
        let ada = try await purchase("ada", first: "Ada", last: "Lovelace-\(tag)", exam: exam)
        let alan = try await purchase("alan", first: "Alan", last: "Turing-\(tag)", exam: exam)
        _ = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT count(*)::int AS n FROM console.candidates WHERE candidate_id = ANY($1::text[])", [[ada, alan]])[0].decode("n", as: Int.self)
        }, until: { $0 == 2 })
        // Alan's booking, whose id Ada will try in her own pages.
        let alansBooking = try #require(try await api.book(try await session(api, named: "Alan's \(tag)", exam: exam, daysAhead: 9), candidate: alan).id)
        // A link that expired a minute ago.
        let expired = "expired-link-\(UUID().uuidString.lowercased())"
        _ = try admin.query(
            """
            INSERT INTO console.one_time_links (token_hash, candidate_id, purpose, created_at, expires_at)
            VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'), $2, 'candidate-sign-in', now() - interval '16 minutes', now() - interval '1 minute')
            """,
            [expired, ada]
        )
        let run = try stack.runScript("candidate_security.py", environment: [
            "CONSOLE_MAIL_DIR": sink.directory.path, "CANDIDATE_EMAIL": "\(ada)@example.org", "EXPIRED_LINK": expired, "OTHER_BOOKING": alansBooking,
            "CONSOLE_TAG": tag,
        ])
        #expect(run.status == 0, "\(run.text)\nconsole log:\n\(stack.console.logTail(40))")
        let status = try admin.query("SELECT status FROM sessions.bookings WHERE id = $1", [UUID(uuidString: alansBooking)!])[0].decode("status", as: String.self)
        #expect(status == "confirmed", "Ada could not cancel Alan's booking")

        // The external system's change of Ada's email and language reaches the console too.
        let publisher = try TestPublisher()
        _ = try publisher.publish(CandidateUpdated(candidate: CandidateProfile(
            externalId: ada, firstName: "Ada", lastName: "Lovelace-\(tag)", email: "\(ada)-new@example.org", language: "fr", timeZone: "Europe/London"
        )))
        try publisher.confirm()
        let updated = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT email || ' ' || language AS v FROM console.candidates WHERE candidate_id = $1", [ada])[0].decode("v", as: String.self)
        }, until: { $0 == "\(ada)-new@example.org fr" })
        #expect(updated == "\(ada)-new@example.org fr", "candidate.updated reaches the console's candidates")
    }
}
