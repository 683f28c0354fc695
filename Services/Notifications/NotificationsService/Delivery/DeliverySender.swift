import ExamHallMail
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// Sends queued deliveries, one at a time per sender. Each email is claimed (FOR UPDATE SKIP LOCKED),
/// sent, and marked in the same transaction, so the row stays locked for exactly as long as the mail
/// server is talking to us: replicas never send the same email, and a crash before the server's final
/// reply leaves the row queued for the next attempt. The only window for a second copy is a crash
/// between the server's "250 OK" and our commit; the stable Message-ID lets a receiver see it for what it is.
final class DeliverySender: Sendable {
    private let environment: ServiceEnvironment
    private let settings: NotificationSettings
    private let database: DedicatedConnection
    private let transport: TransportBox
    private let limiter: RateLimiter

    init(environment: ServiceEnvironment, settings: NotificationSettings, limiter: RateLimiter) {
        self.environment = environment
        self.settings = settings
        self.database = DedicatedConnection(settings: environment.configuration.databaseSettings)
        self.transport = TransportBox(settings.smtp.map { SMTPTransport($0) } ?? MailFolderTransport(folder: settings.mailFolder))
        self.limiter = limiter
    }

    /// Each sender runs as a job that drains the queue whenever it wakes.
    static func jobs(_ environment: ServiceEnvironment, settings: NotificationSettings) -> [PeriodicJob] {
        let limiter = RateLimiter(perSecond: settings.ratePerSecond)
        return (1...settings.senders).map { index in
            let sender = DeliverySender(environment: environment, settings: settings, limiter: limiter)
            return PeriodicJob(name: "send-mail-\(index)", interval: settings.pollInterval) {
                while try await sender.sendNext() != nil {}
            }
        }
    }

    /// Sends the next due email; nil when nothing is due.
    @discardableResult
    func sendNext() async throws -> DeliveryStatus? {
        let wait = limiter.reserve()
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
        let (environment, settings, transport) = (environment, settings, transport)
        let now = environment.clock()
        return try await database.run { connection in
            try connection.execute("BEGIN")
            do {
                let status = try Self.sendOne(connection: connection, transport: transport.transport, environment: environment, settings: settings, now: now)
                try connection.execute("COMMIT")
                return status
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    private static func sendOne(
        connection: PGConnection, transport: MailTransport, environment: ServiceEnvironment, settings: NotificationSettings, now: Date
    ) throws -> DeliveryStatus? {
        let store = DeliveryStore(connection: connection)
        guard let claimed = try store.claimNext(now: now) else { return nil }
        let delivery = claimed.delivery
        let attempts = delivery.attempts + 1
        let outbox = environment.outbox(correlationId: claimed.correlationId)
        let id = delivery.id
        let failure: SMTPError?
        do {
            try transport.send(
                from: settings.fromAddress, to: delivery.recipient ?? "", message: Array(claimed.message.utf8),
                name: "\(Self.fileStamp(delivery.createdAt))-\(delivery.kind.rawValue)-\(id)"
            )
            failure = nil
        } catch {
            failure = error
        }
        guard let error = failure else {
            let sentAt = environment.clock()
            try store.markSent(delivery.id, attempts: attempts, at: sentAt)
            try outbox.publish(
                NotificationSent(deliveryId: id, kind: delivery.kind.rawValue, candidateId: delivery.candidateId, triggerEventId: delivery.triggerEventId, sentAt: sentAt),
                on: connection
            )
            ExamHallMetrics.email(kind: delivery.kind.rawValue, outcome: "sent")
            return .sent
        }
        do {
            switch DeliveryRules.afterFailure(attempts: attempts, permanent: error.permanent, now: now, base: settings.retryBase, maxAttempts: settings.maxAttempts) {
            case let .retry(at):
                try store.markRetry(delivery.id, attempts: attempts, error: error.description, at: at, now: now)
                environment.logger.warning("email not sent; will retry", metadata: [
                    "deliveryId": .string(id), "attempts": "\(attempts)", "error": .string(error.description), "correlationid": .string(claimed.correlationId ?? ""),
                ])
                ExamHallMetrics.email(kind: delivery.kind.rawValue, outcome: "retried")
                return .queued
            case .giveUp:
                try store.markFailed(delivery.id, attempts: attempts, error: error.description, at: now)
                try outbox.publish(
                    NotificationFailed(
                        deliveryId: id, kind: delivery.kind.rawValue, candidateId: delivery.candidateId, triggerEventId: delivery.triggerEventId,
                        reason: String(error.description.prefix(2000)), attempts: attempts, permanent: error.permanent
                    ),
                    on: connection
                )
                environment.logger.error("email failed", metadata: [
                    "deliveryId": .string(id), "attempts": "\(attempts)", "error": .string(error.description), "correlationid": .string(claimed.correlationId ?? ""),
                ])
                ExamHallMetrics.email(kind: delivery.kind.rawValue, outcome: "failed")
                return .failed
            }
        }
    }

    /// Sortable file names for the mail folder: creation time first.
    static func fileStamp(_ date: Date) -> String { UTCFields(date).fileStamp }
}

/// The transport belongs to the sender's database thread: every use is inside `DedicatedConnection.run`,
/// which runs one body at a time on one thread.
private final class TransportBox: @unchecked Sendable {
    let transport: MailTransport
    init(_ transport: MailTransport) { self.transport = transport }
}
