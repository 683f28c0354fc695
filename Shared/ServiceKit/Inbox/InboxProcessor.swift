import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation
import Logging

/// Applies a batch of deliveries in one transaction, each inside a savepoint, recording message ids in
/// the inbox so a redelivery is acked and skipped (exactly-once in effect). Bad input is dead-lettered
/// with its reason; a database outage holds the batch for retry; an unexpected failure requeues the
/// message until its last allowed delivery, when it is dead-lettered with the error.
public struct InboxProcessor: DeliveryBatchHandler {
    let registry: HandlerRegistry
    let database: DatabasePool
    let source: String
    let deliveryLimit: Int
    let logger: Logger
    let clock: @Sendable () -> Date
    let faults: FaultHook

    public init(
        registry: HandlerRegistry, database: DatabasePool, source: String, deliveryLimit: Int, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, faults: FaultHook = .none
    ) {
        self.registry = registry
        self.database = database
        self.source = source
        self.deliveryLimit = deliveryLimit
        self.logger = logger
        self.clock = clock
        self.faults = faults
    }

    enum Result: Sendable {
        case applied(Duration)
        case duplicate
        case rejected(String)
        case failed(String)
    }

    public func handle(_ batch: [Delivery]) async -> BatchOutcome {
        var dispositions = [DeliveryDisposition](repeating: .ack, count: batch.count)
        var work: [(index: Int, message: PreparedMessage)] = []
        for (index, delivery) in batch.enumerated() {
            let route = HandlerRegistry.route(of: delivery)
            guard let entry = registry.entry(for: delivery) else {
                dispositions[index] = deadLetter(delivery, type: route.routingKey, reason: "no handler for '\(route.routingKey)' from '\(route.exchange)'")
                continue
            }
            do {
                var message = try entry.prepare(delivery.body)
                message.previousDeliveries = delivery.previousDeliveries
                guard message.metadata.type.rawValue == route.routingKey else {
                    throw EnvelopeError.routingKeyMismatch(routingKey: route.routingKey, type: message.metadata.type.rawValue)
                }
                work.append((index, message))
            } catch let error as EnvelopeError {
                dispositions[index] = deadLetter(delivery, type: route.routingKey, reason: error.description)
            } catch {
                dispositions[index] = deadLetter(delivery, type: route.routingKey, reason: String(describing: error))
            }
        }
        guard !work.isEmpty else { return .settled(dispositions) }

        let (source, logger, now, messages, faults) = (self.source, self.logger, clock(), work.map(\.message), self.faults)
        let results: [Result]
        do {
            do {
                // Optimistic: no savepoints, and the whole batch recorded in the inbox in one statement.
                // Almost every batch is clean.
                results = try await database.transaction { connection in
                    let fresh = try Self.recordInInbox(messages.map(\.metadata), on: connection)
                    faults.reach(.afterInboxInsert)
                    let results = try Self.applyFresh(messages, fresh: fresh, on: connection, source: source, now: now, logger: logger, faults: faults)
                    faults.reach(.afterOutboxInsert)
                    return results
                }
            } catch is NeedsIsolation {
                // Something in the batch failed: roll it all back and apply each message in its own savepoint.
                results = try await database.transaction { connection in
                    let results = try messages.map {
                        try Self.apply($0, on: connection, source: source, now: now, logger: logger, faults: faults, isolated: true)
                    }
                    faults.reach(.afterOutboxInsert)
                    return results
                }
            }
        } catch let error as PostgresError where error.isTransient {
            ExamHallMetrics.batchRetried()
            return .retryLater(reason: error.description)
        } catch {
            logger.error("batch transaction failed", metadata: ["error": "\(error)"])
            for item in work { dispositions[item.index] = failed(batch[item.index], type: item.message.metadata.type.rawValue, error: "\(error)") }
            return .settled(dispositions)
        }
        faults.reach(.afterCommitBeforeAck)

        for (item, result) in zip(work, results) {
            let delivery = batch[item.index]
            let type = item.message.metadata.type.rawValue
            switch result {
            case let .applied(duration):
                ExamHallMetrics.consumed(type: type, outcome: "applied")
                ExamHallMetrics.handlerDuration(type: type, duration)
            case .duplicate:
                ExamHallMetrics.consumed(type: type, outcome: "duplicate")
                logger.debug("duplicate skipped", metadata: metadata(item.message.metadata))
            case let .rejected(reason):
                dispositions[item.index] = deadLetter(delivery, type: type, reason: reason)
            case let .failed(error):
                dispositions[item.index] = failed(delivery, type: type, error: error)
            }
        }
        return .settled(dispositions)
    }

    /// Thrown out of an optimistic batch when one message failed, to roll back and retry it isolated.
    struct NeedsIsolation: Error {}

    /// The optimistic path, after the batch's inbox insert: the messages not seen before, in delivery
    /// order. Consecutive messages whose handler applies batches go to it together. Any failure asks for
    /// the isolated retry of the whole batch.
    static func applyFresh(
        _ messages: [PreparedMessage], fresh: Set<String>, on connection: PGConnection, source: String, now: Date, logger: Logger,
        faults: FaultHook
    ) throws -> [Result] {
        var fresh = fresh
        var results = [Result](repeating: .duplicate, count: messages.count)
        var index = 0
        while index < messages.count {
            defer { index += 1 }
            // A second copy inside the same batch finds its id already taken out.
            guard fresh.remove(messages[index].metadata.id) != nil else { continue }
            guard let batch = messages[index].batch else {
                results[index] = try apply(
                    messages[index], on: connection, source: source, now: now, logger: logger, faults: faults, isolated: false, recorded: true
                )
                continue
            }
            var run = [index]
            while index + 1 < messages.count, messages[index + 1].batch?.binding == batch.binding {
                index += 1
                if fresh.remove(messages[index].metadata.id) != nil { run.append(index) }
            }
            let started = ContinuousClock.now
            do {
                let items = try run.map { position in
                    let message = messages[position]
                    try faults.beforeHandling(messageId: message.metadata.id, previousDeliveries: message.previousDeliveries)
                    return (event: message.event, context: context(for: message, on: connection, source: source, now: now, logger: logger))
                }
                try batch.apply(items, connection)
            } catch let error as PostgresError where error.isTransient {
                throw error
            } catch {
                throw NeedsIsolation()
            }
            let each = (ContinuousClock.now - started) / run.count
            for position in run { results[position] = .applied(each) }
        }
        return results
    }

    /// The context a handler gets for `message`: its correlation carried onto what it publishes and logs.
    static func context(for message: PreparedMessage, on connection: PGConnection, source: String, now: Date, logger: Logger) -> HandlerContext {
        let correlationId = message.metadata.correlationid ?? message.metadata.id
        var messageLogger = logger
        messageLogger[metadataKey: "messageid"] = .string(message.metadata.id)
        messageLogger[metadataKey: "correlationid"] = .string(correlationId)
        return HandlerContext(
            connection: connection, now: now, logger: messageLogger,
            outbox: OutboxWriter(source: source, correlationId: correlationId, causationId: message.metadata.id, now: now)
        )
    }

    /// One message inside the batch transaction: inbox check, then the handler. `isolated` wraps it in a
    /// savepoint so that its failure leaves the others' effects intact; without it, any failure asks for
    /// the isolated retry of the whole batch.
    /// `recorded`: the batch's inbox insert already took this message id.
    static func apply(
        _ message: PreparedMessage, on connection: PGConnection, source: String, now: Date, logger: Logger, faults: FaultHook,
        isolated: Bool, recorded: Bool = false
    ) throws -> Result {
        if isolated { try connection.execute("SAVEPOINT message") }
        do {
            if !recorded {
                let inserted = try connection.execute(
                    "INSERT INTO inbox (message_id, type) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING",
                    [message.metadata.id, message.metadata.type.rawValue]
                ).affectedRows
                guard inserted == 1 else {
                    if isolated { try connection.execute("RELEASE SAVEPOINT message") }
                    return .duplicate
                }
            }
            let context = context(for: message, on: connection, source: source, now: now, logger: logger)
            let started = ContinuousClock.now
            try faults.beforeHandling(messageId: message.metadata.id, previousDeliveries: message.previousDeliveries)
            try message.apply(context)
            if isolated { try connection.execute("RELEASE SAVEPOINT message") }
            return .applied(ContinuousClock.now - started)
        } catch let error as PostgresError where error.isTransient {
            throw error
        } catch {
            guard isolated else { throw NeedsIsolation() }
            try connection.execute("ROLLBACK TO SAVEPOINT message")
            try connection.execute("RELEASE SAVEPOINT message")
            if let rejection = error as? HandlerRejection { return .rejected(rejection.reason) }
            return .failed(String(describing: error))
        }
    }

    /// Records the batch's message ids in the inbox; returns those not seen before.
    static func recordInInbox(_ messages: [EnvelopeMetadata], on connection: PGConnection) throws -> Set<String> {
        Set(try connection.query(
            """
            INSERT INTO inbox (message_id, type) SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT (message_id) DO NOTHING RETURNING message_id
            """,
            [messages.map(\.id), messages.map(\.type.rawValue)]
        ).map { try $0.decode("message_id", as: String.self) })
    }

    private func deadLetter(_ delivery: Delivery, type: String, reason: String) -> DeliveryDisposition {
        ExamHallMetrics.consumed(type: type, outcome: "dead_lettered")
        ExamHallMetrics.deadLettered(type: type)
        logger.warning("message dead-lettered", metadata: [
            "messageid": .string(delivery.properties.messageId ?? "-"), "type": .string(type), "reason": .string(reason),
        ])
        return .deadLetter(reason: reason)
    }

    private func failed(_ delivery: Delivery, type: String, error: String) -> DeliveryDisposition {
        let attempt = delivery.previousDeliveries + 1
        logger.error("message failed", metadata: [
            "messageid": .string(delivery.properties.messageId ?? "-"), "type": .string(type), "error": .string(error), "attempt": "\(attempt)",
        ])
        guard attempt < deliveryLimit else {
            return deadLetter(delivery, type: type, reason: "failed on each of \(attempt) deliveries; last error: \(error)")
        }
        ExamHallMetrics.consumed(type: type, outcome: "requeued")
        return .requeue
    }

    private func metadata(_ envelope: EnvelopeMetadata) -> Logger.Metadata {
        ["messageid": .string(envelope.id), "type": .string(envelope.type.rawValue)]
    }
}
