import ExamHallMail
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation
import Synchronization

/// Sends queued deliveries, a small batch at a time per sender. A batch is claimed in one statement
/// under a lease (SKIP LOCKED), so replicas never take the same email and those of a sender that dies
/// come back when its lease runs out; each email is then sent and marked, with its `notification.sent`
/// or `.failed` event. The only window for a second copy is a crash between the server's "250 OK" and
/// that mark; the stable Message-ID lets a receiver see it for what it is.
///
/// The SMTP dialogue runs on the sender's own thread and the marks on its database connection's, so
/// emails are marked while the next ones are being sent (`OutcomeRecorder`): the commit no longer
/// waits in line with the mail server, emails that finish during one write are marked together in the
/// next, and a mark starts at the latest when the write before it ends.
final class DeliverySender: Sendable {
    /// Emails claimed at once: a few round trips per batch instead of per email, and few left waiting
    /// for a lease to run out when a sender dies (a sender holds at most two batches). 25 against 10
    /// took the benchmark's ratio from a median of 0.48 to 0.52 (docs/BENCHMARKS.md).
    static let batchSize = 25
    /// The lease is renewed before an email when less than this is left: more than one attempt can
    /// take (libcurl's connect and transfer timeouts).
    static let attemptBudget: TimeInterval = 45
    static let leaseLength: TimeInterval = 60

    /// How often a sender looks at the whole queue rather than from where it left off, for retries
    /// that came due and leases that ran out behind it.
    static let rescanInterval: Duration = .seconds(1)

    private let environment: ServiceEnvironment
    private let settings: NotificationSettings
    private let database: DedicatedConnection
    private let transport: TransportBox
    /// The thread the SMTP dialogues run on, one at a time.
    private let transportQueue = DispatchQueue(label: "examhall.mail-sender")
    private let limiter: RateLimiter
    /// Where this sender's last batch ended, and when it last looked from the start.
    private let position = Mutex<(after: Int, lastRescan: ContinuousClock.Instant)>((0, .now))

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
                try await sender.drain()
            }
        }
    }

    /// Emails claimed together, and the lease they are held under.
    private struct Batch: Sendable {
        var emails: [DeliveryStore.Claimed]
        var lease: Date
    }

    /// Sends until nothing is due or the service stops; returns how many emails it attempted. The next
    /// batch is claimed while the current one is on the wire, and marks are written beside the sending
    /// for the whole drain, so the mail server's connection does not wait on the database between
    /// batches: waiting for the last marks and then the next claim after every ten emails had left it
    /// idle about a third of the time. A sender holds at most two batches, so a sender that dies leaves
    /// at most `2 * batchSize` emails waiting for their lease.
    @discardableResult
    func drain() async throws -> Int {
        let (database, environment, settings) = (database, environment, settings)
        let recorder = OutcomeRecorder<Outcome> { outcomes in
            try await database.run { connection in
                try connection.transaction { try Self.record(outcomes, connection: connection, environment: environment, settings: settings) }
            }
        }
        var attempted = 0
        do {
            var batch = try await claimNext()
            while !batch.emails.isEmpty, !Task.isStopping {
                async let following = claimNext()
                do {
                    attempted += try await send(batch, recorder: recorder)
                } catch {
                    if let claimed = try? await following { try? await release(claimed) }
                    throw error
                }
                batch = try await following
            }
            // Stopping: a batch claimed ahead goes back to the queue for the other replicas.
            try await release(batch)
            try await recorder.finish()
        } catch {
            _ = try? await recorder.finish()
            throw error
        }
        return attempted
    }

    /// Claims the next due emails under a fresh lease, from where this sender's last batch ended.
    private func claimNext() async throws -> Batch {
        let now = environment.clock()
        let lease = now.addingTimeInterval(Self.leaseLength)
        let after = position.withLock { current in
            guard ContinuousClock.now - current.lastRescan < Self.rescanInterval else {
                current.lastRescan = .now
                return 0
            }
            return current.after
        }
        var (emails, last) = try await database.run { try DeliveryStore(connection: $0).claim(after: after, now: now, lease: lease, limit: Self.batchSize) }
        if emails.isEmpty, after > 0 {
            // Nothing ahead: look from the start before calling the queue empty.
            (emails, last) = try await database.run { try DeliveryStore(connection: $0).claim(now: now, lease: lease, limit: Self.batchSize) }
        }
        position.withLock { $0.after = last ?? 0 }
        return Batch(emails: emails, lease: lease)
    }

    /// Sends a claimed batch, renewing its lease when it runs short; what it does not attempt (the
    /// service stopping, or an error on the way) goes back to the queue. Returns how many it attempted.
    private func send(_ batch: Batch, recorder: OutcomeRecorder<Outcome>) async throws -> Int {
        var (pending, lease) = (batch.emails, batch.lease)
        var attempted = 0
        do {
            while !pending.isEmpty, !Task.isStopping {
                if lease.timeIntervalSince(environment.clock()) < Self.attemptBudget {
                    let (ids, held) = (pending.map(\.delivery.id), lease)
                    let renewed = environment.clock().addingTimeInterval(Self.leaseLength)
                    let kept = try await database.run { try DeliveryStore(connection: $0).renew(ids, lease: held, until: renewed) }
                    pending.removeAll { !kept.contains($0.delivery.id) }
                    lease = renewed
                    continue
                }
                let (sent, markFailure) = try await transmitInTurn(pending, lease: lease, recorder: recorder)
                pending.removeFirst(sent)
                attempted += sent
                // A failed mark stops the sending; what was sent keeps its lease (see the type's comment).
                if let markFailure { throw markFailure }
            }
        } catch {
            try? await release(Batch(emails: pending, lease: lease))
            throw error
        }
        try await release(Batch(emails: pending, lease: lease))
        return attempted
    }

    /// Gives back what `batch` still holds.
    private func release(_ batch: Batch) async throws {
        guard !batch.emails.isEmpty else { return }
        let (ids, held) = (batch.emails.map(\.delivery.id), batch.lease)
        try await database.run { try DeliveryStore(connection: $0).release(ids, lease: held) }
    }

    /// Hands `emails` to the mail server (or folder) one after another on the transport thread, each
    /// outcome to `recorder` as it comes. One trip to that thread per batch rather than per email: at
    /// the mail server's pace, the thread handoffs had cost as much CPU as the sending. Stops early when
    /// the lease gets short, the service stops or a mark failed; returns how many it attempted, and the
    /// error of the mark that failed.
    private func transmitInTurn(
        _ emails: [DeliveryStore.Claimed], lease: Date, recorder: OutcomeRecorder<Outcome>
    ) async throws -> (attempted: Int, markFailure: (any Error)?) {
        let (transport, from, limiter, clock) = (transport, settings.fromAddress, limiter, environment.clock)
        return try await StopSignal.watching { stop in
            await withCheckedContinuation { (continuation: CheckedContinuation<(attempted: Int, markFailure: (any Error)?), Never>) in
                transportQueue.async {
                    var attempted = 0
                    for claimed in emails {
                        guard !stop.isRaised, lease.timeIntervalSince(clock()) >= Self.attemptBudget else { break }
                        let wait = limiter.reserve()
                        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                        let delivery = claimed.delivery
                        var failure: SMTPError?
                        do throws(SMTPError) {
                            try transport.transport.send(
                                from: from, to: delivery.recipient ?? "", message: Array(claimed.message.utf8),
                                name: "\(Self.fileStamp(delivery.createdAt))-\(delivery.kind.rawValue)-\(delivery.id)"
                            )
                        } catch {
                            failure = error
                        }
                        attempted += 1
                        do {
                            try recorder.add(Outcome(claimed: claimed, failure: failure, lease: lease))
                        } catch {
                            continuation.resume(returning: (attempted, error))
                            return
                        }
                    }
                    continuation.resume(returning: (attempted, nil))
                }
            }
        }
    }

    /// One attempted email: nil `failure` when the server accepted it.
    struct Outcome: Sendable {
        let claimed: DeliveryStore.Claimed
        let failure: SMTPError?
        let lease: Date
    }

    /// Records what became of emails, in the caller's transaction: those sent with one statement and
    /// their events with one more, the others (to retry, or failed for good) one by one.
    private static func record(_ outcomes: [Outcome], connection: PGConnection, environment: ServiceEnvironment, settings: NotificationSettings) throws {
        let store = DeliveryStore(connection: connection)
        let now = environment.clock()
        try recordSent(outcomes.filter { $0.failure == nil }, store: store, now: now, environment: environment)
        for outcome in outcomes {
            guard let failure = outcome.failure else { continue }
            try recordFailure(outcome.claimed, failure: failure, lease: outcome.lease, store: store, now: now, environment: environment, settings: settings)
        }
    }

    /// Marks emails the server accepted as sent and enqueues a `notification.sent` for each, except those
    /// whose lease ran out (another sender holds them now and announces them); returns those ids.
    @discardableResult
    static func recordSent(_ sent: [Outcome], store: DeliveryStore, now: Date, environment: ServiceEnvironment) throws -> Set<String> {
        let leaseLost = try store.markSent(
            sent.map { DeliveryStore.SentMark(id: $0.claimed.delivery.id, lease: $0.lease, attempts: $0.claimed.delivery.attempts + 1) }, at: now
        )
        var events: [OutboxWriter.Row] = []
        for outcome in sent {
            let delivery = outcome.claimed.delivery
            ExamHallMetrics.email(kind: delivery.kind.rawValue, outcome: "sent")
            guard !leaseLost.contains(delivery.id) else {
                environment.logger.warning("email sent after its lease ran out; another sender may send it too", metadata: [
                    "deliveryId": .string(delivery.id), "correlationid": .string(outcome.claimed.correlationId ?? ""),
                ])
                continue
            }
            events.append(try environment.outbox(correlationId: outcome.claimed.correlationId).row(NotificationSent(
                deliveryId: delivery.id, kind: delivery.kind.rawValue, candidateId: delivery.candidateId, triggerEventId: delivery.triggerEventId, sentAt: now
            )).1)
        }
        try OutboxWriter.enqueue(events, on: store.connection)
        return leaseLost
    }

    /// Records an email the server did not take: to retry later, or failed for good with its event.
    private static func recordFailure(
        _ claimed: DeliveryStore.Claimed, failure error: SMTPError, lease: Date, store: DeliveryStore, now: Date, environment: ServiceEnvironment,
        settings: NotificationSettings
    ) throws {
        let delivery = claimed.delivery
        let attempts = delivery.attempts + 1
        let outbox = environment.outbox(correlationId: claimed.correlationId)
        let id = delivery.id
        switch DeliveryRules.afterFailure(attempts: attempts, permanent: error.permanent, now: now, base: settings.retryBase, maxAttempts: settings.maxAttempts) {
        case let .retry(at):
            try store.markRetry(id, lease: lease, attempts: attempts, error: error.description, at: at, now: now)
            environment.logger.warning("email not sent; will retry", metadata: [
                "deliveryId": .string(id), "attempts": "\(attempts)", "error": .string(error.description), "correlationid": .string(claimed.correlationId ?? ""),
            ])
            ExamHallMetrics.email(kind: delivery.kind.rawValue, outcome: "retried")
        case .giveUp:
            let (_, event) = try outbox.row(NotificationFailed(
                deliveryId: id, kind: delivery.kind.rawValue, candidateId: delivery.candidateId, triggerEventId: delivery.triggerEventId,
                reason: String(error.description.prefix(2000)), attempts: attempts, permanent: error.permanent
            ))
            if try store.markFailed(id, lease: lease, attempts: attempts, error: error.description, at: now) {
                try OutboxWriter.enqueue([event], on: store.connection)
            }
            environment.logger.error("email failed", metadata: [
                "deliveryId": .string(id), "attempts": "\(attempts)", "error": .string(error.description), "correlationid": .string(claimed.correlationId ?? ""),
            ])
            ExamHallMetrics.email(kind: delivery.kind.rawValue, outcome: "failed")
        }
    }

    /// Sortable file names for the mail folder: creation time first.
    static func fileStamp(_ date: Date) -> String { UTCFields(date).fileStamp }
}

/// The transport belongs to the sender's transport queue: every use is a block on that serial queue.
private final class TransportBox: @unchecked Sendable {
    let transport: MailTransport
    init(_ transport: MailTransport) { self.transport = transport }
}
