import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Synchronization
@testable import NotificationsService

/// The notifications service as production builds it, against the test stack and a real SMTP server
/// of the test's own, with a clock the test can move.
final class NotificationTestBed: Sendable {
    let environment: ServiceEnvironment
    let settings: NotificationSettings
    let components: ServiceComponents
    let processor: InboxProcessor
    let sink: SMTPSink
    let admin: AdminDatabase
    private let offset = ClockOffset()

    init(port: Int, rejecting: [String] = [], retryBase: TimeInterval = 1, maxAttempts: Int = 5) async throws {
        let offset = self.offset
        environment = try await ServiceHarness.environment(for: NotificationsService.description) {
            Date().addingTimeInterval(offset.seconds.withLock { $0 })
        }
        sink = SMTPSink(port: port, rejecting: rejecting)
        var environmentVariables = try TestStack.environment(for: "notifications")
        environmentVariables["EXAMHALL_SMTP_URL"] = sink.url
        environmentVariables["EXAMHALL_MAIL_RETRY_SECONDS"] = "\(Int(retryBase))"
        environmentVariables["EXAMHALL_MAIL_MAX_ATTEMPTS"] = "\(maxAttempts)"
        environmentVariables["EXAMHALL_MAIL_RATE_PER_SECOND"] = "1000"
        settings = try NotificationSettings.load(environment.configuration, environment: environmentVariables)
        components = NotificationsService.components(environment, settings: settings)
        processor = ServiceHarness.processor(environment, components: components)
        admin = AdminDatabase()
        try sink.start()
    }

    /// Moves the service's clock forward.
    func advance(by seconds: TimeInterval) { offset.seconds.withLock { $0 += seconds } }

    func handle(_ payloads: [Delivery]) async -> Bool {
        await processor.handle(payloads) == .settled(payloads.map { _ in .ack })
    }

    /// Sends everything due now with `senders` concurrent senders (as replicas would); returns how many attempts were made.
    @discardableResult
    func drain(senders: Int = 1, limiter: RateLimiter = RateLimiter(perSecond: 1000)) async throws -> Int {
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<senders {
                let sender = DeliverySender(environment: environment, settings: settings, limiter: limiter)
                group.addTask { try await sender.drain() }
            }
            return try await group.reduce(0, +)
        }
    }

    /// Messages the sink received for `address`.
    func mail(to address: String) throws -> [ReceivedMail] {
        try sink.messages().filter { $0.contains("X-Envelope-To: \(address)\r\n") }.map(ReceivedMail.init)
    }

    func deliveries(of candidateId: String) throws -> [(kind: String, status: String, attempts: Int, error: String?)] {
        try admin.query(
            "SELECT kind, status, attempts, last_error FROM notifications.deliveries WHERE candidate_id = $1 ORDER BY created_at, kind", [candidateId]
        ).map { (try $0.decode("kind"), try $0.decode("status"), try $0.decode("attempts"), try $0.decode("last_error")) }
    }

    // MARK: - Events

    static func session(start: Date, hours: Double = 2, instructions: String? = "Bring a photo ID.", timeZone: String = "Europe/Paris") -> SessionSnapshot {
        SessionSnapshot(
            sessionId: "session-\(UUID().uuidString.prefix(8).lowercased())", name: "Cloud Foundations — morning", examCodes: ["CLOUD-101"],
            locationId: "loc-1", locationName: "Paris Opéra Centre", address: "8 rue Auber, Paris", timeZone: timeZone, room: "Salle 2",
            deliveryPreference: "in-person", start: start, end: start.addingTimeInterval(hours * 3600), instructions: instructions,
            additionalInstructions: "Arrive 15 minutes early & switch off phones."
        )
    }

    static func candidate(language: String, timeZone: String, name: String = "Ada Lovelace") -> (id: String, contact: CandidateContact) {
        let id = "cand-\(UUID().uuidString.prefix(8).lowercased())"
        return (id, CandidateContact(name: name, email: "\(id)@example.org", language: language, timeZone: timeZone))
    }

    static func confirmed(
        _ candidate: (id: String, contact: CandidateContact), session: SessionSnapshot, bookingId: String = UUID().uuidString.lowercased(), fromWaitlist: Bool = false
    ) -> BookingConfirmed {
        BookingConfirmed(
            booking: BookingRef(bookingId: bookingId, sessionId: session.sessionId, candidateId: candidate.id, examCode: "CLOUD-101", authorizationId: nil),
            session: session, candidate: candidate.contact, confirmedAt: Date(), actor: .candidate, fromWaitlist: fromWaitlist
        )
    }
}

final class ClockOffset: Sendable {
    let seconds = Mutex<TimeInterval>(0)
}
