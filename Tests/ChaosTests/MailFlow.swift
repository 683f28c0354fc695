import ExamHallModels
import ExamHallTestSupport
import Foundation

/// `examhall-notifications` sending to a real SMTP server, and the booking news it turns into emails,
/// for the scenarios that count emails.
enum MailFlow {
    /// Starts the service on `port`, sending to `sink` over two connections, from an empty inbox and send
    /// queue: other suites' booking events wait in this inbox while no notifications service runs, and
    /// each scenario counts only its own emails.
    static func startNotifications(port: Int, sink: SMTPSink, environment: [String: String] = [:]) async throws -> ServiceProcess {
        try TestStack.purgeQueues(["notifications.inbox", "notifications.dead"])
        let notifications = ServiceProcess("notifications", port: port, environment: environment.merging([
            "EXAMHALL_SMTP_URL": sink.url, "EXAMHALL_MAIL_SENDERS": "2", "EXAMHALL_MAIL_POLL_MILLISECONDS": "100",
        ]) { $1 })
        try await notifications.start()
        // Once started, the service has migrated its schema (on a fresh stack this is its first start).
        _ = try AdminDatabase().query(
            "UPDATE notifications.deliveries SET status = 'failed', last_error = 'cleared by a test' WHERE status = 'queued' RETURNING 1"
        )
        return notifications
    }

    /// A session two weeks ahead, as `booking.confirmed` carries it.
    static func session(_ prefix: String) -> SessionSnapshot {
        let start = Date() + 14 * 86_400
        return SessionSnapshot(
            sessionId: "session-\(prefix)", name: "Networking", examCodes: ["NET-201"], locationId: "loc", locationName: "Lyon Part-Dieu",
            address: "1 place Béraudier, Lyon", timeZone: "Europe/Paris", room: nil, deliveryPreference: "in-person",
            start: start, end: start + 7200, instructions: "Bring a photo ID.", additionalInstructions: nil
        )
    }

    /// A new booking of `candidate` (whose address is `<candidate>@example.org`) on `session`.
    static func confirmed(_ candidate: String, session: SessionSnapshot) -> BookingConfirmed {
        BookingConfirmed(
            booking: BookingRef(bookingId: UUID().uuidString.lowercased(), sessionId: session.sessionId, candidateId: candidate, examCode: "NET-201", authorizationId: nil),
            session: session, candidate: CandidateContact(name: "Candidate \(candidate)", email: "\(candidate)@example.org", language: "en", timeZone: "Europe/Paris"),
            confirmedAt: Date(), actor: .candidate, fromWaitlist: false
        )
    }
}
