import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// A candidate's right to erasure and to access, through the five real executables: after a candidate
/// purchased, booked, was emailed, sat and was verified, `examhall candidate erase` leaves their name
/// and address nowhere in the database nor in the dead letters, the export still shows their attempt
/// under their id, and no log of the run ever held their address.
@Suite(.serialized) struct PersonalDataErasureEndToEndTests {
    let admin = AdminDatabase()
    let suffix = UUID().uuidString.prefix(8).lowercased()
    static let cli = ServiceProcess.binaryDirectory.appendingPathComponent("examhall")
    static let ports = ["sessions": 18481, "authorizations": 18482, "verification": 18483, "notifications": 18484, "console": 18485]
    static let deadQueues = ["sessions.dead", "authorizations.dead", "notifications.dead", "console.dead"]

    init() throws { try TestStack.require() }

    func count(_ sql: String, _ parameters: [any PostgresEncodable]) throws -> Int {
        try admin.query(sql, parameters)[0].decode("n", as: Int.self)
    }

    func waitFor(_ description: String, _ sql: String, _ parameters: [any PostgresEncodable], atLeast expected: Int = 1) async throws {
        let value = try await eventually(timeout: .seconds(60), { try count(sql, parameters) }, until: { $0 >= expected })
        try #require(value >= expected, "\(description)")
    }

    /// How many letters of each dead-letter queue name `candidateId`; the letters stay where they are.
    static func lettersNaming(_ candidateId: String) throws -> [String: Int] {
        let needle = Array("\"\(candidateId)\"".utf8)
        var found: [String: Int] = [:]
        for queue in deadQueues {
            let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
            defer { connection.close() }
            var naming = 0
            while let letter = try connection.get(queue) {
                if letter.body.firstRange(of: needle) != nil { naming += 1 }
            }
            found[queue] = naming
        }
        return found
    }

    @Test func anErasedCandidateLeavesNoNameOrAddressButTheirResultStays() async throws {
        let sink = SMTPSink(port: 18490)
        try sink.start()
        defer { sink.stop() }
        // This test's emails only: nothing left queued by other tests goes to this server.
        let broker = try AMQPConnection.open(try TestStack.amqp("admin"))
        _ = try? broker.purgeQueue("notifications.inbox")
        broker.close()
        var processes: [String: ServiceProcess] = [:]
        for (name, port) in Self.ports {
            var environment = ["EXAMHALL_LOG_LEVEL": "debug"]
            if name == "notifications" { environment.merge(["EXAMHALL_SMTP_URL": sink.url, "EXAMHALL_MAIL_POLL_MILLISECONDS": "100"]) { $1 } }
            if name == "console" { environment["EXAMHALL_PUBLIC_URL"] = "http://127.0.0.1:\(port)" }
            if name == "verification" { environment["EXAMHALL_EXPORT_INTERVAL_SECONDS"] = "1" }
            processes[name] = ServiceProcess(name, port: port, environment: environment)
        }
        for process in processes.values { try await process.start() }
        defer { processes.values.forEach { $0.stop() } }
        _ = try admin.query("UPDATE notifications.deliveries SET status = 'failed', last_error = 'cleared by a test' WHERE status = 'queued' RETURNING 1")
        let api = try await SessionsDriver([try #require(processes["sessions"])])
        let verification = try #require(processes["verification"])

        // Ottilie buys an exam, books it, is emailed, sits it and is verified.
        let candidateId = "erase-\(suffix)"
        let profile = CandidateProfile(
            externalId: candidateId, firstName: "Ottilie", lastName: "Quarrington\(suffix)", email: "ottilie.\(suffix)@example.org",
            language: "en", timeZone: "Europe/Paris"
        )
        let exam = try await api.exam()
        let session = try await api.publicSession(exam: exam, capacity: 5, authorizationRequired: true)
        let payment = try TestPublisher()
        try payment.publish(PurchaseCompleted(purchaseId: "P-\(candidateId)", candidate: profile, examCode: exam))
        try payment.confirm()
        try await waitFor("authorization known to sessions", "SELECT count(*) AS n FROM sessions.authorizations WHERE candidate_id = $1 AND status = 'open'", [candidateId])
        try await waitFor("candidate known to the console", "SELECT count(*) AS n FROM console.candidates WHERE candidate_id = $1", [candidateId])
        let booked = try await api.book(session, candidate: candidateId)
        #expect(booked.status == 201, "\(booked.text)")
        let bookingId = try #require(booked.id)
        try await waitFor("booking email sent", "SELECT count(*) AS n FROM notifications.deliveries WHERE candidate_id = $1 AND status = 'sent'", [candidateId])
        // The booking was made with the candidate's own token, whose address the email went to.
        let tokenAddress = "\(candidateId)@example.org"
        let recipients = try await eventually(timeout: .seconds(30), { try sink.recipients() }, until: { $0.contains(tokenAddress) })
        #expect(recipients.contains(tokenAddress), "the email reached the SMTP server: \(recipients)")
        try await waitFor("attempt", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1", [bookingId])
        let engine = try TestPublisher()
        try engine.publish(DeliveryAttemptStarted(bookingId: bookingId, startedAt: Date()))
        try engine.publish(DeliveryAttemptFinished(bookingId: bookingId, finishedAt: Date(), score: 77, maxScore: 100, passed: true))
        try engine.confirm()
        try await waitFor("attempt finished", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1 AND status = 'finished'", [bookingId])
        let verdict = try await verification.send(
            "POST", "/attempts/\(bookingId)/verdict", token: try await api.token(.csr, "csr-erasure"), json: #"{"verdict":"positive","comment":"clean session"}"#
        )
        #expect(verdict.status == 200)
        // The result reaches the external system before the erasure (and no later test exports it).
        try await waitFor("result exported", "SELECT count(*) AS n FROM verification.attempts WHERE id = $1 AND exported_at IS NOT NULL", [bookingId])

        // A contact update the services refuse (a language tag that is none) leaves dead letters that hold the address.
        let bad = #"{"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","type":"candidate.updated","source":"payment-system","time":"2026-12-06T08:00:00Z","datacontenttype":"application/json","data":{"candidate":{"externalId":"\#(candidateId)","firstName":"Ottilie","lastName":"\#(profile.lastName)","email":"\#(profile.email)","language":"not a language","timeZone":"Europe/Paris"}}}"#
        let refused = try TestPublisher()
        try refused.publishRaw(Array(bad.utf8), routingKey: "candidate.updated", messageId: UUID().uuidString.lowercased())
        try refused.confirm()
        let lettersBefore = try await eventually(timeout: .seconds(60), every: .seconds(2), { try Self.lettersNaming(candidateId) }, until: { $0.values.allSatisfy { $0 >= 1 } })
        #expect(lettersBefore.values.allSatisfy { $0 >= 1 }, "\(lettersBefore)")

        // The erasure, as an operator runs it: every service confirms.
        let adminEnvironment = try TestStack.environment(for: "admin")
        let erase = try Program.run(Self.cli, ["candidate", "erase", candidateId, "--timeout", "90"], environment: adminEnvironment, capture: .both)
        #expect(erase.status == 0, "\(erase.text)")
        #expect(erase.text.contains("every service erased \(candidateId)"), "\(erase.text)")
        for service in Self.ports.keys { #expect(erase.text.contains("\(service): erased at"), "\(service) confirmed: \(erase.text)") }

        // Each service removes the dead letters that name the candidate from its own queue.
        let lettersAfter = try await eventually(timeout: .seconds(90), every: .seconds(3), { try Self.lettersNaming(candidateId) }, until: { $0.values.allSatisfy { $0 == 0 } })
        #expect(lettersAfter.values.allSatisfy { $0 == 0 }, "dead letters naming the candidate remain: \(lettersAfter)")

        // A contact update still in flight arrives after the erasure: stored without the personal data.
        let again = try TestPublisher()
        let late = try again.publish(CandidateUpdated(candidate: profile))
        try again.confirm()
        for schema in ["sessions", "authorizations", "notifications", "console"] {
            try await waitFor("\(schema) applied the late update", "SELECT count(*) AS n FROM \(schema).inbox WHERE message_id = $1", [late])
        }

        // Nowhere in the database: a dump of every schema, searched where it lies (it can be large).
        let dumpFile = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-erasure-\(suffix).sql").path
        defer { try? FileManager.default.removeItem(atPath: dumpFile) }
        let personal = [profile.email, tokenAddress, profile.lastName]
        let search = try Program.run(URL(fileURLWithPath: "/bin/bash"), [
            "-c", #"pg_dump --data-only "$1" > "$2" && echo "booking: $(grep -c -F "$3" "$2")" && { grep -o -F -e "$4" -e "$5" -e "$6" "$2" | sort | uniq -c; true; }"#,
            "search", try TestStack.databaseURL("admin"), dumpFile, bookingId,
        ] + personal, capture: .both)
        #expect(search.status == 0, "\(search.text)")
        #expect(search.text.hasPrefix("booking: ") && !search.text.hasPrefix("booking: 0"), "the dump holds the candidate's booking: \(search.text)")
        for value in personal { #expect(!search.text.contains(value), "the database still holds '\(value)': \(search.text)") }

        // The export shows the attempt and its result under the candidate's id, with no name or address.
        let export = try Program.run(Self.cli, ["candidate", "export", candidateId], environment: adminEnvironment, capture: .both)
        #expect(export.status == 0, "\(export.text)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(export.text.utf8)) as? [String: Any])
        let attempts = try #require((document["verification"] as? [String: Any])?["attempts"] as? [[String: Any]])
        #expect(attempts.count == 1)
        #expect(attempts.first?["id"] as? String == bookingId && attempts.first?["score"] as? Double == 77)
        #expect(attempts.first?["verdict"] as? String == "positive")
        #expect(attempts.first?["candidate_email"] is NSNull && attempts.first?["candidate_name"] is NSNull)
        let erasedBy = try #require((document["erasure"] as? [String: Any])?["erasedBy"] as? [[String: Any]])
        #expect(Set(erasedBy.compactMap { $0["service"] as? String }) == Set(Self.ports.keys))
        #expect(!export.text.contains(profile.email) && !export.text.contains(tokenAddress) && !export.text.contains(profile.lastName))

        // No log of the run ever held the address, though the services logged at debug level throughout.
        for (name, process) in processes {
            #expect(!process.log.contains(profile.email) && !process.log.contains(tokenAddress), "examhall-\(name) logged the candidate's address")
            #expect(!process.log.contains(profile.lastName), "examhall-\(name) logged the candidate's name")
        }
        #expect(!erase.text.contains(profile.email))
    }
}
