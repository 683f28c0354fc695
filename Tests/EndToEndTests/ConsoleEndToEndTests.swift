import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import HummingbirdBcrypt
import JWTKit
import Testing

/// The console through the real executables: a CSR's work in headless Chromium (every page checked
/// with axe-core), the sign-in defences over HTTP, and the services' verification of the tokens the
/// console signs, against its published keys.
@Suite(.serialized) struct ConsoleEndToEndTests {
    let admin = AdminDatabase()
    let tag = String(UUID().uuidString.prefix(8)).lowercased()

    init() throws {
        try TestStack.require()
    }

    /// Starts the stack; failed sign-ins from earlier runs would throttle this run's from the same
    /// address, so they are forgotten once the console has created its schema.
    func start(_ stack: ConsoleStack) async throws {
        try await stack.start()
        _ = try admin.query("DELETE FROM console.sign_in_failures")
    }

    static var screenshots: String { TestStack.root.appendingPathComponent(".stack/screenshots").path }

    @Test func aCSRDoesTheirWorkInABrowser() async throws {
        let stack = try ConsoleStack()
        try await start(stack)
        defer { stack.stop() }
        try fillRegistriesBeyondOnePage()
        defer { try? emptyFillers() }
        let api = try await SessionsDriver([stack.services["sessions"]!])
        let exams = [try await api.exam(), try await api.exam()]

        // Through the APIs, as purchases and earlier work would leave them: four candidates with Open
        // authorizations, a proctor, a booking to transfer and a finished attempt to verify.
        let marie = try await purchase("marie", first: "Marie", last: "Curie-\(tag)", exam: exams[0])
        let alan = try await purchase("alan", first: "Alan", last: "Turing-\(tag)", exam: exams[1])
        let ada = try await purchase("ada", first: "Ada", last: "Lovelace-\(tag)", exam: exams[0])
        let grace = try await purchase("grace", first: "Grace", last: "Hopper-\(tag)", exam: exams[0])
        let linus = try await purchase("linus", first: "Linus", last: "Pauling-\(tag)", exam: exams[0])
        _ = (marie, alan)
        let proctor = "Paula Proctor \(tag)"
        let registered = try await api.asCSR("POST", "/proctors", json: #"{"name":"\#(proctor)","email":"paula-\#(tag)@example.org"}"#)
        #expect(registered.status == 201, "\(registered.text)")
        let transferFrom = try await session(api, named: "Transfer source \(tag)", exam: exams[0], daysAhead: 5)
        let transferTo = "Transfer target \(tag)"
        _ = try await session(api, named: transferTo, exam: exams[0], daysAhead: 6)
        let transferred = try await api.book(transferFrom, candidate: ada)
        #expect(transferred.status == 201, "\(transferred.text)")
        let verifyIn = try await session(api, named: "Verification \(tag)", exam: exams[0], daysAhead: 4)
        let attempt = try #require(try await api.book(verifyIn, candidate: grace).id)
        let toVoid = try #require(try await api.book(verifyIn, candidate: linus).id)
        let attempts = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT count(*)::int AS n FROM verification.attempts WHERE id = ANY($1::uuid[])", [[UUID(uuidString: attempt)!, UUID(uuidString: toVoid)!]])[0]
                .decode("n", as: Int.self)
        }, until: { $0 == 2 })
        #expect(attempts == 2)
        let engine = try TestPublisher()
        try engine.publish(DeliveryAttemptStarted(bookingId: attempt, startedAt: Date()))
        try engine.publish(DeliveryAttemptFinished(bookingId: attempt, finishedAt: Date(), score: 81, maxScore: 100, passed: true))
        try engine.confirm()
        let finished = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT status FROM verification.attempts WHERE id = $1", [UUID(uuidString: attempt)!])[0].decode("status", as: String.self)
        }, until: { $0 == "finished" })
        #expect(finished == "finished")

        let day = ISO8601DateFormatter.string(from: Date().addingTimeInterval(14 * 86_400), timeZone: .gmt, formatOptions: [.withFullDate])
        let run = try stack.runScript("console_browser.py", environment: [
            "CONSOLE_EMAIL": stack.adminEmail, "CONSOLE_PASSWORD": stack.adminPassword, "CONSOLE_EXAMS": exams.joined(separator: ","),
            "CONSOLE_DAY": day, "CONSOLE_TAG": tag, "CONSOLE_SCREENSHOTS": Self.screenshots,
            "CONSOLE_PROCTOR": proctor, "CONSOLE_TRANSFER_FROM": transferFrom, "CONSOLE_TRANSFER_TO": transferTo,
            "CONSOLE_ATTEMPT": attempt, "CONSOLE_ATTEMPT_CANDIDATE": grace, "CONSOLE_VOID_ATTEMPT": toVoid,
        ])
        #expect(run.status == 0, "\(run.text)\nconsole log:\n\(stack.console.logTail(40))")

        // What the browser did is what the services hold.
        let assigned = try admin.query(
            "SELECT count(*) AS n FROM authorizations.authorizations WHERE candidate_id = ANY($1::text[]) AND status = 'assigned'",
            [["\(tag)-marie", "\(tag)-alan"]]
        )[0].decode("n", as: Int.self)
        #expect(assigned == 2, "both authorizations are Assigned")
        let verdict = try admin.query("SELECT verdict FROM verification.attempts WHERE id = $1", [UUID(uuidString: attempt)!])[0].decode("verdict", as: String?.self)
        #expect(verdict == "positive")
        // The voided attempt's booking is cancelled and Linus's authorization is Open again.
        let voidedBooking = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT status FROM sessions.bookings WHERE id = $1", [UUID(uuidString: toVoid)!])[0].decode("status", as: String.self)
        }, until: { $0 == "cancelled" })
        #expect(voidedBooking == "cancelled")
        let released = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT status FROM authorizations.authorizations WHERE candidate_id = $1", [linus])[0].decode("status", as: String.self)
        }, until: { $0 == "open" })
        #expect(released == "open")
        // The invited proctor's account acts as their entry in the proctor registry.
        let linked = try admin.query(
            "SELECT count(*) AS n FROM console.accounts a JOIN sessions.proctors p ON p.id = a.proctor_id WHERE a.email = $1 AND p.email = $1",
            ["pete-\(tag)@example.org"]
        )[0].decode("n", as: Int.self)
        #expect(linked == 1, "the proctor account is linked to the registry")
    }

    /// More exams, locations and proctors than one page of the sessions API holds, each sorting before
    /// what the browser creates and picks: the forms must read every page to offer those.
    func fillRegistriesBeyondOnePage() throws {
        let count = PageRequest.maximumLimit + 1
        let filled = try admin.query("""
            WITH exams AS (
                INSERT INTO sessions.exams (code, title, duration_minutes, created_at, updated_at)
                SELECT 'AAA-\(tag)-' || n, 'Filler exam ' || n, 60, now(), now() FROM generate_series(1, $1) n RETURNING 1
            ), locations AS (
                INSERT INTO sessions.locations (id, name, address, time_zone, created_at, updated_at)
                SELECT gen_random_uuid(), 'Aaa filler \(tag) ' || n, 'Nowhere', 'UTC', now(), now() FROM generate_series(1, $1) n RETURNING 1
            ), proctors AS (
                INSERT INTO sessions.proctors (id, name, email, created_at)
                SELECT gen_random_uuid(), 'Aaa filler \(tag) ' || n, 'filler-\(tag)-' || n || '@example.org', now() FROM generate_series(1, $1) n RETURNING 1
            )
            SELECT (SELECT count(*) FROM exams) + (SELECT count(*) FROM locations) + (SELECT count(*) FROM proctors) AS n
            """, [count])[0].decode("n", as: Int.self)
        #expect(filled == 3 * count)
    }

    func emptyFillers() throws {
        _ = try admin.query("DELETE FROM sessions.exams WHERE code LIKE $1 RETURNING 1", ["AAA-\(tag)-%"])
        _ = try admin.query("DELETE FROM sessions.locations WHERE name LIKE $1 RETURNING 1", ["Aaa filler \(tag) %"])
        _ = try admin.query("DELETE FROM sessions.proctors WHERE email LIKE $1 RETURNING 1", ["filler-\(tag)-%"])
    }

    /// A candidate whose purchase has reached the sessions service; returns their external id.
    func purchase(_ name: String, first: String, last: String, exam: String, language: String = "en") async throws -> String {
        let candidate = "\(tag)-\(name)"
        let publisher = try TestPublisher()
        let profile = CandidateProfile(externalId: candidate, firstName: first, lastName: last, email: "\(candidate)@example.org", language: language, timeZone: "Europe/Paris")
        try publisher.publish(Fixtures.purchase("P-\(candidate)", candidate: profile, examCode: exam))
        try publisher.confirm()
        let known = try await eventually(timeout: .seconds(60), {
            try admin.query("SELECT count(*) AS n FROM sessions.authorizations WHERE candidate_id = $1 AND status = 'open'", [candidate])[0].decode("n", as: Int.self)
        }, until: { $0 == 1 })
        #expect(known == 1, "\(candidate)'s authorization reached the sessions service")
        return candidate
    }

    /// A public session; `price` (in euros) makes it paid.
    func session(_ api: SessionsDriver, named name: String, exam: String, daysAhead: Double, capacity: Int = 10, price: Int? = nil) async throws -> String {
        let start = Date().addingTimeInterval(daysAhead * 86_400)
        let location = try await api.location()
        let reply = try await api.asCSR("POST", "/sessions", json: """
            {"locationId":"\(location)","name":"\(name)","examCodes":["\(exam)"],"availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 7200))"},
             "selfEnrollment":true,"capacity":\(capacity),"authorizationRequired":false\(price.map { #","price":{"amount":\#($0),"currency":"EUR"}"# } ?? "")}
            """)
        return try #require(reply.id, "\(reply.text)")
    }

    /// A staff account made directly in the console's schema, as an admin's invitation would.
    func account(role: String, password: String, proctorId: String? = nil) throws -> String {
        let email = "\(role)-\(tag)@examhall.test"
        _ = try admin.query(
            """
            INSERT INTO console.accounts (id, email, name, role, password_hash, proctor_id, active, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, $2, $3, $4, CASE WHEN $3 = 'proctor' THEN coalesce($5::uuid, gen_random_uuid()) END, true, now(), now())
            """,
            [email, "Test \(role)", role, Bcrypt.hash(password, cost: 4), proctorId]
        )
        return email
    }

    @Test func signInDefencesHoldAndRotationKeepsSessionsAlive() async throws {
        let stack = try ConsoleStack(services: ["sessions"])
        try await start(stack)
        defer { stack.stop() }
        let before = try signingKey()
        let password = "a-long-enough-password"
        let run = try stack.runScript("console_security.py", environment: [
            "CONSOLE_EMAIL": stack.adminEmail, "CONSOLE_PASSWORD": stack.adminPassword,
            "CONSOLE_THROTTLE_EMAIL": try account(role: "csr", password: password), "CONSOLE_THROTTLE_PASSWORD": password,
            "CONSOLE_PROCTOR_EMAIL": try account(role: "proctor", password: password), "CONSOLE_PROCTOR_PASSWORD": password,
        ])
        #expect(run.status == 0, "\(run.text)\nconsole log:\n\(stack.console.logTail(40))")
        // The script rotated the key: a token the previous key signed is still good until it expires.
        #expect(try signingKey().kid != before.kid, "a new key signs after rotation")
        let sessions = stack.services["sessions"]!
        let old = try await sign(claims(stack), with: before)
        #expect(try await sessions.get("/exams", token: old).status == 200, "a token signed before rotation is still accepted")
    }

    @Test func everyServiceRefusesTokensItCannotTrust() async throws {
        let stack = try ConsoleStack()
        try await start(stack)
        defer { stack.stop() }
        let key = try signingKey()
        let stranger = (kid: "stranger-\(tag)", pem: ES256PrivateKey().pemRepresentation)
        let impostor = (kid: key.kid, pem: ES256PrivateKey().pemRepresentation)
        let now = Date()
        let refused: [(String, String)] = [
            ("signed with an unknown key", try await sign(claims(stack), with: stranger)),
            ("signed by another key under the console's kid", try await sign(claims(stack), with: impostor)),
            ("from another issuer", try await sign(claims(stack, issuer: "https://attacker.example"), with: key)),
            ("for another audience", try await sign(claims(stack, audience: "another-system"), with: key)),
            ("expired", try await sign(claims(stack, issuedAt: now.addingTimeInterval(-900), expiresAt: now.addingTimeInterval(-300)), with: key)),
            ("living longer than allowed", try await sign(claims(stack, expiresAt: now.addingTimeInterval(7200)), with: key)),
            ("unsigned (alg none)", try Self.unsigned(claims(stack))),
        ]
        let good = try await sign(claims(stack), with: key)
        let readable = ["sessions": "/exams", "authorizations": "/authorizations", "verification": "/attempts", "notifications": "/templates"]
        for (name, process) in stack.services {
            let path = readable[name]!
            #expect(try await process.get(path, token: good).status == 200, "\(name) accepts the console's token")
            for (what, token) in refused {
                #expect(try await process.get(path, token: token).status == 401, "\(name) refuses a token \(what)")
            }
        }
        // The role is checked too: a proctor's token cannot do a CSR's work.
        let proctor = try await sign(claims(stack, role: .proctor), with: key)
        let reply = try await stack.services["sessions"]!.send(
            "POST", "/locations", token: proctor, json: #"{"name":"Proctor's","address":"x","timeZone":"UTC"}"#
        )
        #expect(reply.status == 403, "a proctor's token cannot add a location")
    }

    /// A service does not need the console to start: it answers before the keys can be fetched (an
    /// asymmetric token is refused then) and trusts the console's tokens once the console is up.
    @Test func aServiceStartsBeforeTheConsoleAndTrustsItOnceUp() async throws {
        let stack = try ConsoleStack(services: [])
        // As deployed: published keys and no EXAMHALL_JWT_SECRET, so development tokens are refused too.
        let sessions = ServiceProcess("sessions", port: ConsoleStack.servicePorts["sessions"]!, environment: [
            "EXAMHALL_JWKS_URL": stack.consoleURL + "/.well-known/jwks.json", "EXAMHALL_JWT_ISSUER": stack.issuer, "EXAMHALL_JWT_SECRET": "",
        ])
        try await sessions.start()
        defer {
            sessions.stop()
            stack.stop()
        }
        let stranger = (kid: "early-\(tag)", pem: ES256PrivateKey().pemRepresentation)
        #expect(try await sessions.get("/exams", token: try await sign(claims(stack), with: stranger)).status == 401)
        #expect(await sessions.readiness() == 200, "the service is ready without the console")
        let development = try await TokenAuthority(secret: ServiceConfiguration.localJWTSecret).sign(Principal(subject: "csr-1", role: .csr))
        #expect(try await sessions.get("/exams", token: development).status == 401, "the well-known development secret signs nothing here")
        try await stack.console.start()
        let token = try await sign(claims(stack), with: try signingKey())
        // The first fetch may wait out the refetch interval after the failed one above.
        let status = try await eventually(timeout: .seconds(10), { try await sessions.get("/exams", token: token).status }, until: { $0 == 200 })
        #expect(status == 200, "the console's token is accepted once its keys can be fetched")
    }

    // MARK: - Tokens made the way an attacker (or the console) would

    func signingKey() throws -> (kid: String, pem: String) {
        let row = try admin.query("SELECT kid, private_key_pem FROM console.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")[0]
        return (try row.decode("kid"), try row.decode("private_key_pem"))
    }

    func claims(
        _ stack: ConsoleStack, role: Role = .csr, issuer: String? = nil, audience: String = "examhall",
        issuedAt: Date = Date(), expiresAt: Date = Date().addingTimeInterval(300)
    ) -> ExamHallClaims {
        ExamHallClaims(
            principal: Principal(subject: "console-e2e-\(tag)", role: role, name: "Console test"),
            issuedAt: issuedAt, expiresAt: expiresAt, issuer: issuer ?? stack.issuer, audience: audience
        )
    }

    func sign(_ claims: ExamHallClaims, with key: (kid: String, pem: String)) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(pem: key.pem), kid: JWKIdentifier(string: key.kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: key.kid))
    }

    static func unsigned(_ claims: ExamHallClaims) throws -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + encode(try JSONEncoder().encode(claims)) + "."
    }
}
