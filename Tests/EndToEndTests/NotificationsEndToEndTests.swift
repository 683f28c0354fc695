import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The notifications executable against a real SMTP server: killed with -9 while it sends, each email
/// still arrives exactly once, redelivered events included.
@Suite(.serialized) struct NotificationsEndToEndTests {
    let admin = AdminDatabase()

    init() throws { try TestStack.require() }

    @Test func aKillDuringSendingStillDeliversEachEmailExactlyOnce() async throws {
        // The server takes its time over each message, so many are still queued when the kill comes.
        let sink = SMTPSink(port: 18290, delayMail: 0.15)
        try sink.start()
        defer { sink.stop() }
        // Other tests' booking events pile up in the notifications inbox while no notifications service
        // runs; this test is about its own emails, so it starts from an empty inbox and send queue.
        let broker = try AMQPConnection.open(try TestStack.amqp("admin"))
        _ = try? broker.purgeQueue("notifications.inbox")
        broker.close()
        let notifications = ServiceProcess("notifications", port: 18084, environment: [
            "EXAMHALL_SMTP_URL": sink.url, "EXAMHALL_MAIL_SENDERS": "2", "EXAMHALL_MAIL_POLL_MILLISECONDS": "100", "EXAMHALL_MAIL_RETRY_SECONDS": "1",
        ])
        try await notifications.start()
        defer { notifications.stop() }
        // Once started, the service has migrated its schema (on a fresh stack this is its first start).
        _ = try admin.query("UPDATE notifications.deliveries SET status = 'failed', last_error = 'cleared by a test' WHERE status = 'queued' RETURNING 1")

        let start = Date() + 14 * 86_400
        let session = SessionSnapshot(
            sessionId: "session-e2e-\(UUID().uuidString.prefix(8).lowercased())", name: "Networking", examCodes: ["NET-201"], locationId: "loc",
            locationName: "Lyon Part-Dieu", address: "1 place Béraudier, Lyon", timeZone: "Europe/Paris", room: nil, deliveryPreference: "in-person",
            start: start, end: start + 7200, instructions: "Pièce d'identité obligatoire.", additionalInstructions: nil
        )
        // A sender claims 25 emails and the next 25 while it sends, so a sender can hold 50: with 80,
        // the other sender always has emails of its own and both are in a dialogue when the hold comes.
        let candidates = (0..<80).map { index in "cand-kill-\(UUID().uuidString.prefix(8).lowercased())-\(index)" }
        let events = candidates.map { candidate in
            BookingConfirmed(
                booking: BookingRef(bookingId: UUID().uuidString.lowercased(), sessionId: session.sessionId, candidateId: candidate, examCode: "NET-201", authorizationId: nil),
                session: session, candidate: CandidateContact(name: "Candidate \(candidate)", email: "\(candidate)@example.org", language: candidate.hasSuffix("0") ? "fr" : "en", timeZone: "Europe/Paris"),
                confirmedAt: Date(), actor: .csr, fromWaitlist: false
            )
        }
        let publisher = try TestPublisher(as: "admin")
        var ids: [String] = []
        for event in events { ids.append(try publisher.publish(event, exchange: .events)) }
        // A third of them again under the same message ids, as a broker redelivers.
        for (event, id) in zip(events, ids).prefix(10) { try publisher.publish(event, id: id, exchange: .events) }
        try publisher.confirm()

        let beforeKill = try await sink.waitForMessages(5, timeout: .seconds(60))
        #expect(beforeKill.count >= 5)
        // The kill comes with both senders in the middle of a dialogue and every email the server has
        // accepted marked sent. A kill between the server's "250 OK" and that mark would make the email
        // go again (no SMTP client can know whether a message it never heard answered was taken; the
        // stable Message-ID is what lets a mailbox drop the copy), so that is not the moment chosen.
        try sink.hold()
        let holding = try await eventually(timeout: .seconds(30), every: .milliseconds(20), { sink.holding() }, until: { $0 == 2 })
        #expect(holding == 2, "both senders were waiting on the server")
        let accepted = try sink.messages().count
        let marked = try await eventually(timeout: .seconds(30), every: .milliseconds(20), {
            try admin.query("SELECT count(*)::int AS n FROM notifications.deliveries WHERE candidate_id = ANY($1::text[]) AND status = 'sent'", [candidates])[0]
                .decode("n", as: Int.self)
        }, until: { $0 == accepted })
        #expect(marked == accepted, "every accepted email was marked sent before the kill")
        notifications.kill()
        sink.resume()
        #expect(try sink.messages().count < candidates.count, "the kill came before everything was sent")
        try await notifications.start()

        let all = try await sink.waitForMessages(candidates.count, timeout: .seconds(120))
        try await Task.sleep(for: .seconds(3))  // anything duplicated would arrive now
        let received = try sink.messages()
        #expect(all.count >= candidates.count)
        for candidate in candidates {
            let copies = received.filter { $0.contains("X-Envelope-To: \(candidate)@example.org\r\n") }
            #expect(copies.count == 1, "\(candidate) received \(copies.count) emails")
        }
        let statuses = try admin.query(
            "SELECT status, count(*)::int AS n FROM notifications.deliveries WHERE candidate_id = ANY($1::text[]) GROUP BY status", [candidates]
        ).map { "\(try $0.decode("status", as: String.self))=\(try $0.decode("n", as: Int.self))" }
        #expect(statuses == ["sent=\(candidates.count)"])
    }
}
