import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation
import Logging

/// The inbox pipeline's fourth step: applies the decoded messages of a batch in one transaction, each
/// de-duplicated (`DeduplicateStep`) and handed to its handler with an outbox that carries its
/// correlation. Optimistic first: the whole batch in one inbox statement, without savepoints, since
/// almost every batch is clean. If any message fails, that attempt is rolled back and the batch applied
/// again with each message in its own savepoint, so one message's failure leaves the others' effects
/// intact. A transient database failure (an outage, a failover, a serialization conflict) holds the
/// whole batch for a retry instead. The senders of inbound messages refused by decoding or rejected by
/// their handler are answered (`AnswerStep`) in the same transaction.
struct ApplyStep: Sendable {
    let database: DatabasePool
    let source: String
    let deliveryLimit: Int
    let logger: Logger
    let clock: @Sendable () -> Date
    let faults: FaultHook
    var answer: AnswerStep { AnswerStep(source: source) }

    /// What became of one message.
    enum Result: Sendable, Equatable {
        case applied(Duration)
        case duplicate
        /// Its handler refused it with `HandlerRejection` (or, on its last allowed delivery, with
        /// `RejectedOnLastDelivery`): it can never be applied.
        case rejected(HandlerRejection)
        /// Its handler failed otherwise: worth another delivery.
        case failed(String)
    }

    /// What became of the batch.
    enum Outcome: Sendable, Equatable {
        /// Committed: one result per message, in order.
        case committed([Result])
        /// Nothing committed; the database should recover by itself.
        case retryLater(reason: String)
        /// Nothing committed, for a reason that is not transient.
        case failed(String)
    }

    /// Applies `messages` and answers the senders of `refused` (those refused before applying, with
    /// an answering handler).
    func apply(_ messages: [PreparedMessage], answering refused: [(delivery: Delivery, refusal: InboxRefusal)] = []) async -> Outcome {
        let (source, logger, now, faults, limit) = (self.source, self.logger, clock(), self.faults, deliveryLimit)
        let answer = self.answer
        let results: [Result]
        do {
            let answers = try refused.compactMap { item in
                try item.refusal.answer.map { try answer.row(refusing: item.delivery, item.refusal, event: $0, now: now) }
            }
            guard !messages.isEmpty || !answers.isEmpty else { return .committed([]) }
            do {
                results = try await database.transaction { connection in
                    try OutboxWriter.enqueue(answers, on: connection)
                    let fresh = try DeduplicateStep.recordFresh(messages.map(\.metadata), on: connection)
                    faults.reach(.afterInboxInsert)
                    let results = try Self.applyFresh(messages, fresh: fresh, on: connection, source: source, now: now, logger: logger, faults: faults)
                    faults.reach(.afterOutboxInsert)
                    return results
                }
            } catch is NeedsIsolation {
                results = try await database.transaction { connection in
                    try OutboxWriter.enqueue(answers, on: connection)
                    let results = try messages.map {
                        try Self.applyIsolated($0, on: connection, source: source, now: now, logger: logger, faults: faults, deliveryLimit: limit, answer: answer)
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
            return .failed(String(describing: error))
        }
        faults.reach(.afterCommitBeforeAck)
        return .committed(results)
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
            var run = [index]
            if let batch = messages[index].batch {
                while index + 1 < messages.count, messages[index + 1].batch?.binding == batch.binding {
                    index += 1
                    if fresh.remove(messages[index].metadata.id) != nil { run.append(index) }
                }
            }
            let started = ContinuousClock.now
            do {
                let items = try run.map { position in
                    let message = messages[position]
                    try faults.beforeHandling(messageId: message.metadata.id, previousDeliveries: message.previousDeliveries)
                    return (message: message, context: context(for: message, on: connection, source: source, now: now, logger: logger))
                }
                if let batch = messages[run[0]].batch {
                    try batch.apply(items.map { (event: $0.message.event, context: $0.context) }, connection)
                } else {
                    try items[0].message.apply(items[0].context)
                }
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

    /// One message in its own savepoint: inbox check, then the handler. Its failure is rolled back to
    /// the savepoint and becomes its result (a rejection answered to its sender, when this service
    /// answers it); the transaction goes on with the next message.
    static func applyIsolated(
        _ message: PreparedMessage, on connection: PGConnection, source: String, now: Date, logger: Logger, faults: FaultHook,
        deliveryLimit: Int, answer: AnswerStep
    ) throws -> Result {
        try connection.execute("SAVEPOINT message")
        do {
            guard try DeduplicateStep.recordFresh(message.metadata, on: connection) else {
                try connection.execute("RELEASE SAVEPOINT message")
                return .duplicate
            }
            let context = context(for: message, on: connection, source: source, now: now, logger: logger)
            let started = ContinuousClock.now
            try faults.beforeHandling(messageId: message.metadata.id, previousDeliveries: message.previousDeliveries)
            try message.apply(context)
            try connection.execute("RELEASE SAVEPOINT message")
            return .applied(ContinuousClock.now - started)
        } catch let error as PostgresError where error.isTransient {
            throw error
        } catch {
            try connection.execute("ROLLBACK TO SAVEPOINT message")
            try connection.execute("RELEASE SAVEPOINT message")
            guard let rejection = rejection(error, lastDelivery: message.previousDeliveries + 1 >= deliveryLimit) else {
                return .failed(String(describing: error))
            }
            if let event = message.answer {
                try OutboxWriter.enqueue([try answer.row(rejecting: message, rejection, event: event, now: now)], on: connection)
            }
            return .rejected(rejection)
        }
    }

    /// The rejection `error` stands for, if it is one.
    static func rejection(_ error: any Error, lastDelivery: Bool) -> HandlerRejection? {
        if let rejection = error as? HandlerRejection { return rejection }
        if lastDelivery, let pending = error as? RejectedOnLastDelivery { return pending.rejection }
        return nil
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
}
