import ExamHallMessaging
import ExamHallStorage
import Foundation
import Logging
import ServiceLifecycle

/// Publishes outbox rows with publisher confirms and marks them sent. Rows are claimed with
/// `FOR UPDATE SKIP LOCKED` in a transaction held across the publish, so replicas never publish the same
/// row at once and a crash simply releases the claim. Woken by NOTIFY; polls as a fallback.
/// A row the broker refuses (a queue at its length limit) or returns (no queue bound for it) stays
/// unsent, counted and logged, and is tried again after a back-off; the rest of its batch goes on.
public final class OutboxRelay: Service, Sendable {
    private let settings: DatabaseSettings
    private let publisher: AMQPPublisher
    private let logger: Logger
    private let batchSize: Int
    private let pollInterval: Duration
    private let linger: Duration
    private let faults: FaultHook

    /// `linger`: after a wake-up, how long to let further commits gather before claiming. Events that
    /// trickle in one transaction at a time (a sent email each) then cost one claim, one publish
    /// confirm and one update per batch instead of per event, for a few milliseconds of latency.
    public init(
        settings: DatabaseSettings, publisher: AMQPPublisher, logger: Logger, batchSize: Int = 500, pollInterval: Duration = .seconds(1),
        linger: Duration = .milliseconds(10), faults: FaultHook = .none
    ) {
        self.faults = faults
        self.settings = settings
        self.publisher = publisher
        self.logger = logger
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.linger = linger
    }

    public func run() async throws {
        let claims = DedicatedConnection(settings: settings)
        let listener = NotificationListener(settings: settings, channel: "\(settings.schema)_outbox")
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5))
        var lastBacklogReport = ContinuousClock.now - .seconds(60)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                var relayed = try await relayBatch(claims)
                while relayed == batchSize, !Task.isShuttingDownGracefully {
                    relayed = try await relayBatch(claims)
                }
                // A gauge for operators: once a second is enough, not once per batch.
                if ContinuousClock.now - lastBacklogReport >= .seconds(1) {
                    try await reportBacklog(claims)
                    lastBacklogReport = .now
                }
                backoff.reset()
                if try await waitForCommits(listener) {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.linger) }
                }
            } catch {
                logger.warning("outbox relay paused", metadata: ["error": "\(error)"])
                let wait = backoff.next()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
        }
        await listener.shutdown()
        await claims.shutdown()
    }

    /// Waits for a NOTIFY for up to `pollInterval`, in short slices: the wait blocks a thread in
    /// poll(2), and a graceful stop should not have to sit out a whole interval.
    private func waitForCommits(_ listener: NotificationListener) async throws -> Bool {
        let deadline = ContinuousClock.now + pollInterval
        while !Task.isShuttingDownGracefully, !Task.isCancelled, ContinuousClock.now < deadline {
            if try await listener.wait(timeout: min(.milliseconds(100), pollInterval)) { return true }
        }
        return false
    }

    /// How long a row the broker did not take waits before its next try: 1 s, doubling to 5 min.
    static let refusalDelay = RetryDelay(base: .seconds(1), maximum: .seconds(300))

    /// Claims, publishes and marks one batch; returns how many rows it relayed (taken or held).
    func relayBatch(_ claims: DedicatedConnection) async throws -> Int {
        let limit = batchSize
        // Whatever fails below (the broker, or the database refusing the claim or the mark, e.g. while
        // it is read-only), the claim is rolled back: a transaction left open and aborted would refuse
        // every later statement on this connection.
        func abandonClaim() async { _ = try? await claims.run { try $0.execute("ROLLBACK") } }
        let rows: [PendingMessage]
        var refused: [Int: PublishRefusal] = [:]
        do {
            rows = try await claims.run { connection -> [PendingMessage] in
                try connection.begin()
                return try connection.query(
                    """
                    SELECT id, message_id, exchange, routing_key, body, correlation_id, attempts FROM outbox
                    WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
                    """, [limit]
                ).map(PendingMessage.init)
            }
            guard !rows.isEmpty else {
                try await claims.run { _ = try $0.execute("COMMIT") }
                return 0
            }
            refused = try await publisher.publish(rows.map(\.message))
        } catch {
            await abandonClaim()
            throw error
        }
        faults.reach(.afterConfirmBeforeMark)
        let sent = rows.indices.filter { refused[$0] == nil }.map { rows[$0].id }
        let held = refused.map { index, refusal in
            (id: rows[index].id, wait: Self.refusalDelay.after(failedDeliveries: rows[index].attempts + 1), reason: refusal.detail)
        }
        do {
            try await claims.run { connection in
                try connection.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", [sent])
                if !held.isEmpty {
                    try connection.execute(
                        """
                        UPDATE outbox SET attempts = attempts + 1, last_error = held.reason,
                            next_attempt_at = now() + held.wait * interval '1 millisecond'
                        FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS held (id, wait, reason)
                        WHERE outbox.id = held.id
                        """,
                        [held.map(\.id), held.map { Int64($0.wait / .milliseconds(1)) }, held.map(\.reason)]
                    )
                }
                try connection.execute("COMMIT")
            }
        } catch {
            // Published but not marked: they go out again, under the same message ids, which consumers skip.
            await abandonClaim()
            throw error
        }
        for (type, group) in Dictionary(grouping: rows.indices.filter { refused[$0] == nil }, by: { rows[$0].message.routingKey }) {
            ExamHallMetrics.published(type: type, count: group.count)
        }
        for (index, refusal) in refused {
            let row = rows[index]
            ExamHallMetrics.publishRefused(type: row.message.routingKey, reason: refusal.kind.rawValue)
            logger.warning("outbox row not taken by the broker; kept for a later try", metadata: [
                "messageid": .string(row.message.properties.messageId ?? "-"), "type": .string(row.message.routingKey),
                "attempt": "\(row.attempts + 1)", "reason": .string(refusal.detail),
            ])
        }
        return rows.count
    }

    private func reportBacklog(_ claims: DedicatedConnection) async throws {
        let backlog = try await claims.run { try OutboxBacklog.read(on: $0) }
        ExamHallMetrics.outbox(backlog: backlog.unsent, oldestAgeSeconds: backlog.oldestAgeSeconds)
    }
}

struct PendingMessage: Sendable {
    let id: Int64
    let message: OutgoingMessage
    /// Earlier tries the broker refused or returned.
    let attempts: Int

    init(_ row: PGRow) throws {
        id = try row.decode("id")
        attempts = try row.decode("attempts")
        let messageId: String = try row.decode("message_id")
        let routingKey: String = try row.decode("routing_key")
        message = OutgoingMessage(
            exchange: try row.decode("exchange"),
            routingKey: routingKey,
            body: Array(try row.decode("body", as: String.self).utf8),
            properties: MessageProperties(messageId: messageId, type: routingKey, correlationId: try row.decode("correlation_id"))
        )
    }
}
