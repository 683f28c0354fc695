import ArgumentParser
import ExamHallMail
import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation

/// booking.confirmed → emails accepted by a local SMTP sink, beside the same sink fed by a plain client.
struct Notifications: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publish booking events and time until every email is accepted by the SMTP sink.")

    @Option(help: "Booking events (one email each)") var events = 10_000
    @Option(help: "The SMTP sink's URL") var smtp = "smtp://127.0.0.1:18295"
    @Option(help: "Connections of the plain client: the service's EXAMHALL_MAIL_SENDERS") var connections = 2

    func run() async throws { try await IdleInboxes.around { try await measure() } }

    private func measure() async throws {
        let (amqpURL, databaseURL) = (try adminSetting("EXAMHALL_AMQP_URL"), try adminSetting("EXAMHALL_DATABASE_URL"))
        let endpoint = try SMTPEndpoint(url: smtp)
        let sample = try await firstEmail(amqp: try AMQPEndpoint(url: amqpURL), databaseURL: databaseURL)
        print("an email as sent: \(sample.count) bytes")

        let raw = try RawSMTP.measure(endpoint, messages: events, message: sample, connections: connections)
        print(String(format: "raw SMTP: a plain client (libcurl, %d connections) sends the same email to the sink\n    %d in %.2f s = %.0f/s", connections, events, raw, Double(events) / raw))
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        let removed = try BenchRun.removeAll(from: database)
        if removed > 0 { print("removed \(removed) emails left by earlier runs") }
        let prefix = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let ours = try await measureNotifications(amqp: try AMQPEndpoint(url: amqpURL), databaseURL: databaseURL, count: events, prefix: prefix)
        try BenchRun(prefix: prefix).remove(from: database)
        print(String(format: "ExamHall notifications: booking.confirmed -> rendered, stored, sent and recorded\n    %d in %.2f s = %.0f/s", events, ours, Double(events) / ours))
        let rate = { (seconds: Double) in Double(events) / seconds }
        print("")
        print("| scenario | emails | seconds | rate (/s) | ratio to raw SMTP |")
        print("|---|---|---|---|---|")
        print(String(format: "| booking.confirmed -> email accepted | %d | %.2f | %.0f | %.2f |", events, ours, rate(ours), rate(ours) / rate(raw)))
        print(String(format: "| raw SMTP baseline | %d | %.2f | %.0f | 1.00 |", events, raw, rate(raw)))
    }

    /// One booking through the service, to send the raw client an email of exactly the size ours are.
    private func firstEmail(amqp: AMQPEndpoint, databaseURL: String) async throws -> [UInt8] {
        let prefix = "bench-sample-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await measureNotifications(amqp: amqp, databaseURL: databaseURL, count: 1, prefix: prefix)
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        let message: String = try database.query("SELECT message FROM notifications.deliveries WHERE candidate_id LIKE $1 LIMIT 1", ["\(prefix)-%"])[0].decode("message")
        try BenchRun(prefix: prefix).remove(from: database)
        return Array(message.utf8)
    }

    /// Publishes booking events as the sessions service would and polls until every email is sent.
    private func measureNotifications(amqp: AMQPEndpoint, databaseURL: String, count: Int, prefix: String) async throws -> Double {
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        let publisher = try AMQPConnection.open(amqp)
        defer { publisher.close() }
        try publisher.enableConfirms()
        let start = Date() + 30 * 86_400
        let session = SessionSnapshot(
            sessionId: "\(prefix)-session", name: "Cloud Foundations — morning", examCodes: ["CLOUD-101"], locationId: "loc", locationName: "London Bridge Test Centre",
            address: "1 Tooley St, London", timeZone: "Europe/London", room: "Room 2", deliveryPreference: "in-person", start: start, end: start + 10_800,
            instructions: "Bring a photo ID; arrive 15 minutes early.", additionalInstructions: "Lockers are available for your belongings."
        )
        let publishedFrom = Date()
        for index in 0..<count {
            let candidate = "\(prefix)-\(index)"
            let event = CloudEvent(source: "examhall-sessions", time: .now, data: BookingConfirmed(
                booking: BookingRef(bookingId: UUID().uuidString.lowercased(), sessionId: session.sessionId, candidateId: candidate, examCode: "CLOUD-101", authorizationId: nil),
                session: session, candidate: CandidateContact(name: "Bench Candidate", email: "\(candidate)@example.org", language: index % 2 == 0 ? "en" : "fr", timeZone: "Europe/Paris"),
                confirmedAt: .now, actor: .candidate, fromWaitlist: false
            ))
            try publisher.publish(OutgoingMessage(
                exchange: Exchange.events.rawValue, routingKey: BookingConfirmed.type.rawValue, body: try event.encoded(),
                properties: MessageProperties(messageId: event.id, type: BookingConfirmed.type.rawValue)
            ))
            if index % 500 == 499 { try publisher.waitForConfirms(timeout: .seconds(60)) }
        }
        try publisher.waitForConfirms(timeout: .seconds(60))
        // Counting the run's emails costs the database a visit to each row, so it is done once a second,
        // and the times come from the rows themselves: when the last email was stored and marked sent.
        let progress = """
            SELECT (count(*) FILTER (WHERE status = 'sent'))::int AS sent,
                extract(epoch FROM max(created_at))::float8 AS last_stored, extract(epoch FROM max(sent_at))::float8 AS last_sent
            FROM notifications.deliveries WHERE status IN ('queued', 'sent', 'failed') AND created_at >= $1 AND candidate_id LIKE $2
            """
        while true {
            try await Task.sleep(for: .seconds(1))
            let row = try database.query(progress, [publishedFrom, "\(prefix)-%"])[0]
            guard try row.decode("sent", as: Int.self) >= count else { continue }
            let from = publishedFrom.timeIntervalSince1970
            let (lastStored, lastSent): (Double, Double) = (try row.decode("last_stored"), try row.decode("last_sent"))
            let sentByThen = try database.query(
                "SELECT count(*)::int AS n FROM notifications.deliveries WHERE status = 'sent' AND created_at >= $1 AND candidate_id LIKE $2 AND sent_at <= $3",
                [publishedFrom, "\(prefix)-%", Date(timeIntervalSince1970: lastStored)]
            )[0].decode("n", as: Int.self)
            if count > 1 {
                print(String(format: "    every email rendered and stored after %.2f s (%.0f events/s), %d of them sent by then",
                             lastStored - from, Double(count) / (lastStored - from), sentByThen))
            }
            return lastSent - from
        }
    }
}

/// What one run leaves in the notifications schema, removed after it: runs start from the same tables
/// rather than from every earlier run's 10,000 emails (which grew the tables to a gigabyte and had
/// autovacuum analysing them in the middle of later runs). Production keeps its tables in check
/// with the retention job.
struct BenchRun {
    let prefix: String

    func remove(from database: PGConnection) throws {
        try Self.remove(candidates: "\(prefix)-%", from: database)
    }

    /// Removes every run's leftovers (an interrupted run cannot remove its own); returns the emails removed.
    static func removeAll(from database: PGConnection) throws -> Int {
        try remove(candidates: "bench-%", from: database)
    }

    @discardableResult
    private static func remove(candidates pattern: String, from database: PGConnection) throws -> Int {
        try database.execute("BEGIN")
        // The inbox keeps the ids of the events the run published; they name the run's bookings.
        try database.execute(
            """
            DELETE FROM notifications.inbox WHERE message_id IN (
                SELECT trigger_event_id FROM notifications.deliveries WHERE candidate_id LIKE $1)
            """, [pattern])
        try database.execute(
            "DELETE FROM notifications.outbox WHERE routing_key = 'notification.sent' AND sent_at IS NOT NULL AND body LIKE $1",
            ["%\"candidateId\":\"\(pattern)\"%"])
        let emails = try database.execute("DELETE FROM notifications.deliveries WHERE candidate_id LIKE $1", [pattern]).affectedRows
        try database.execute(
            "DELETE FROM notifications.reminders WHERE booking_id IN (SELECT booking_id FROM notifications.bookings WHERE candidate_id LIKE $1)", [pattern])
        try database.execute("DELETE FROM notifications.bookings WHERE candidate_id LIKE $1", [pattern])
        try database.execute("DELETE FROM notifications.contacts WHERE candidate_id LIKE $1", [pattern])
        try database.execute("DELETE FROM notifications.sessions WHERE session_id LIKE $1", [pattern])
        try database.execute("COMMIT")
        return emails
    }
}

/// The sink alone: a plain SMTP client sending one prepared email again and again.
enum RawSMTP {
    static func measure(_ endpoint: SMTPEndpoint, messages: Int, message: [UInt8], connections: Int) throws -> Double {
        let done = DispatchGroup()
        nonisolated(unsafe) var failure: (any Error)?
        let started = ContinuousClock.now
        for connection in 0..<connections {
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    let client = try SMTPClient(endpoint)
                    for index in stride(from: connection, to: messages, by: connections) {
                        try client.send(from: "no-reply@examhall.local", to: "raw-\(index)@example.org", message: message)
                    }
                } catch {
                    failure = error
                }
            }.start()
        }
        done.wait()
        if let failure { throw failure }
        return (ContinuousClock.now - started).seconds
    }
}
