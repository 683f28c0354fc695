import ArgumentParser
import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// A candidate's rights over their personal data: erasure and access.
struct CandidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidate", abstract: "Erase or export what ExamHall holds about a candidate.",
        subcommands: [Erase.self, Export.self]
    )

    static let services = ["sessions", "authorizations", "verification", "notifications", "console"]

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask every service to erase a candidate's personal data, and wait for each to confirm.",
            discussion: """
                Publishes candidate.erasure_requested on examhall.inbound, as the external system would, removes \
                the letters in examhall.unroutable that name the candidate (each service removes those in its own \
                dead-letter queue), then prints each service's candidate.erased as it comes.
                """
        )

        @Argument(help: "The candidate's external id") var externalId: String
        @Option(help: "Seconds to wait for the services' confirmations; 0: do not wait") var timeout = 60

        func run() async throws {
            let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
            defer { connection.close() }
            // Listening before asking, so that no confirmation can come first.
            let replies = "examhall-cli.erasure-\(UUID().uuidString.prefix(8).lowercased())"
            try connection.declareQueue(replies, durable: false, exclusive: true, autoDelete: true)
            try connection.bindQueue(replies, exchange: Exchange.events.rawValue, routingKey: CandidateErased.type.rawValue)

            let request = CloudEvent(source: "examhall-cli", time: Date(), data: CandidateErasureRequested(externalId: externalId))
            try connection.enableConfirms()
            try connection.publish(OutgoingMessage(
                exchange: Exchange.inbound.rawValue, routingKey: CandidateErasureRequested.type.rawValue, body: try request.encoded(),
                properties: MessageProperties(messageId: request.id, type: CandidateErasureRequested.type.rawValue, correlationId: request.correlationid)
            ), mandatory: true)
            let outcome = try connection.awaitConfirms(timeout: .seconds(10))
            guard outcome.returned.isEmpty, outcome.nacked.isEmpty else { throw CLIError("the broker did not take the erasure request; try again") }
            print("requested the erasure of \(externalId) (message \(request.id))")

            let unroutable = try DeadLetterErasureJob.removeLetters(
                from: ServiceTopology.unroutable, endpoint: try CLIEnvironment.amqp(), naming: [externalId]
            )
            print("removed \(unroutable) unroutable message(s) naming the candidate")

            guard timeout > 0 else { return }
            var waiting = Set(CandidateCommand.services)
            let deadline = ContinuousClock.now + .seconds(timeout)
            while !waiting.isEmpty, ContinuousClock.now < deadline {
                guard let reply = try connection.get(replies, autoAck: true) else {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                guard let erased = try? EnvelopeDecoder.decode(CandidateErased.self, from: reply.body), erased.data.candidateId == externalId,
                      waiting.remove(erased.data.service) != nil else { continue }
                print("\(erased.data.service): erased at \(erased.time.formatted(.iso8601))")
            }
            guard waiting.isEmpty else {
                throw CLIError("no confirmation yet from \(waiting.sorted().joined(separator: ", ")); the request waits in their inboxes until they run")
            }
            print("every service erased \(externalId)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print everything ExamHall holds about a candidate, as JSON (a data subject access request).",
            discussion: "Reads every service's schema with EXAMHALL_DATABASE_URL (the admin role of `scripts/stack env admin`)."
        )

        @Argument(help: "The candidate's external id") var externalId: String

        func run() async throws {
            let connection = try PGConnection.connect(url: try CLIEnvironment.value("EXAMHALL_DATABASE_URL"), schema: nil, applicationName: "examhall-cli")
            var document: [String: Any] = ["candidateId": externalId, "exportedAt": Date().formatted(.iso8601)]
            for (service, sections) in CandidateExport.sections {
                var held: [String: Any] = [:]
                for section in sections {
                    let text = try connection.query(
                        "SELECT coalesce(json_agg(row_to_json(held)), '[]')::text AS rows FROM (\(section.query)) held", [externalId]
                    )[0].decode("rows", as: String.self)
                    held[section.name] = try JSONSerialization.jsonObject(with: Data(text.utf8))
                }
                document[service] = held
            }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// What each service holds about a candidate, by table; `$1` is the candidate's external id.
enum CandidateExport {
    struct Section {
        let name: String
        let query: String
    }

    static let sections: [(String, [Section])] = [
        ("authorizations", [
            Section(name: "contact", query: "SELECT * FROM authorizations.candidates WHERE external_id = $1"),
            Section(name: "authorizations", query: "SELECT * FROM authorizations.authorizations WHERE candidate_id = $1 ORDER BY created_at"),
            Section(name: "history", query: """
                SELECT h.* FROM authorizations.authorization_history h JOIN authorizations.authorizations a ON a.id = h.authorization_id
                WHERE a.candidate_id = $1 ORDER BY h.id
                """),
        ]),
        ("sessions", [
            Section(name: "contact", query: "SELECT * FROM sessions.candidates WHERE external_id = $1"),
            Section(name: "bookings", query: "SELECT * FROM sessions.bookings WHERE candidate_id = $1 ORDER BY created_at"),
            Section(name: "bookingHistory", query: """
                SELECT h.* FROM sessions.booking_history h JOIN sessions.bookings b ON b.id = h.booking_id WHERE b.candidate_id = $1 ORDER BY h.id
                """),
        ]),
        ("verification", [
            Section(name: "attempts", query: "SELECT * FROM verification.attempts WHERE candidate_id = $1 ORDER BY created_at"),
            Section(name: "proctorReports", query: """
                SELECT r.* FROM verification.proctor_reports r JOIN verification.attempts a ON a.id = r.attempt_id WHERE a.candidate_id = $1
                """),
            Section(name: "audit", query: """
                SELECT l.* FROM verification.attempt_audit l JOIN verification.attempts a ON a.id = l.attempt_id WHERE a.candidate_id = $1 ORDER BY l.id
                """),
        ]),
        ("notifications", [
            Section(name: "contact", query: "SELECT * FROM notifications.contacts WHERE candidate_id = $1"),
            Section(name: "emails", query: """
                SELECT id, kind, language, booking_id, recipient, subject, message, status, attempts, last_error, created_at, sent_at
                FROM notifications.deliveries WHERE candidate_id = $1 ORDER BY created_at
                """),
        ]),
        ("console", [
            Section(name: "contact", query: "SELECT * FROM console.candidates WHERE candidate_id = $1"),
            Section(name: "signedInBrowsers", query: "SELECT created_at, last_seen_at, language FROM console.sign_in_sessions WHERE candidate_id = $1"),
        ]),
        ("erasure", [
            Section(name: "erasedBy", query: """
                SELECT service, erased_at FROM (
                    SELECT 'sessions' AS service, erased_at FROM sessions.erased_candidates WHERE candidate_id = $1
                    UNION ALL SELECT 'authorizations', erased_at FROM authorizations.erased_candidates WHERE candidate_id = $1
                    UNION ALL SELECT 'verification', erased_at FROM verification.erased_candidates WHERE candidate_id = $1
                    UNION ALL SELECT 'notifications', erased_at FROM notifications.erased_candidates WHERE candidate_id = $1
                    UNION ALL SELECT 'console', erased_at FROM console.erased_candidates WHERE candidate_id = $1
                ) erasures ORDER BY service
                """),
        ]),
    ]
}
