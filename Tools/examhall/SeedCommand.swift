import ArgumentParser
import ExamHallMessaging
import ExamHallModels
import Foundation

/// Demo data: purchase events as the payment system would publish them.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Publish demo data (purchase events as the payment system would).",
        subcommands: [Purchases.self]
    )

    struct Purchases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish purchase.completed events for a few candidates.")

        @Option(help: "Prefix of the purchase and candidate ids, so runs do not collide") var prefix = "demo-\(Int(Date.now.timeIntervalSince1970))"

        func run() async throws {
            let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
            defer { connection.close() }
            try connection.enableConfirms()
            for (index, candidate) in DemoData.candidates(prefix: prefix).enumerated() {
                let purchase = PurchaseCompleted(
                    purchaseId: "\(prefix)-\(index + 1)", candidate: candidate, examCode: DemoData.exams[index % DemoData.exams.count],
                    validUntil: Date.now.addingTimeInterval(180 * 86_400)
                )
                let event = CloudEvent(source: "payment-system", time: .now, data: purchase)
                try connection.publish(OutgoingMessage(
                    exchange: Exchange.inbound.rawValue, routingKey: PurchaseCompleted.type.rawValue, body: try event.encoded(),
                    properties: MessageProperties(messageId: event.id, type: PurchaseCompleted.type.rawValue, correlationId: event.correlationid)
                ), mandatory: true)
                print("purchase.completed \(purchase.purchaseId): \(candidate.fullName) <\(candidate.email)> bought \(purchase.examCode)")
            }
            // A purchase the broker returned or refused fails the command: nothing is dropped in silence.
            try connection.waitForConfirms(timeout: .seconds(10))
        }
    }
}

enum DemoData {
    static let exams = ["CLOUD-101", "NET-201", "SEC-301"]
    /// Ada, Marie and Alan as `<prefix>-ada`, `<prefix>-marie` and `<prefix>-alan`: every demo run has its own candidates.
    static func candidates(prefix: String) -> [CandidateProfile] {
        [
            CandidateProfile(externalId: "\(prefix)-ada", firstName: "Ada", lastName: "Lovelace", email: "ada@example.org", language: "en", timeZone: "Europe/London"),
            CandidateProfile(externalId: "\(prefix)-marie", firstName: "Marie", lastName: "Curie", email: "marie@example.org", language: "fr", timeZone: "Europe/Paris"),
            CandidateProfile(externalId: "\(prefix)-alan", firstName: "Alan", lastName: "Turing", email: "alan@example.org", language: "en", timeZone: "America/New_York"),
        ]
    }
}
