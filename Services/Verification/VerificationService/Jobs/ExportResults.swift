import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Publishes `result.verified` on `examhall.outbound` for every attempt that is connected to an
/// authorization, finished and verified, exactly once in effect: the event is written to the outbox with
/// a message id fixed per attempt, in the same transaction that marks the attempt exported; the relay
/// publishes it with confirms and retries until the broker confirms. A crash after publishing and before
/// marking the row sent republishes the same id, which the receiver de-duplicates. Rows are claimed with
/// SKIP LOCKED, so replicas never export one attempt twice.
enum ExportResults {
    static func job(_ environment: ServiceEnvironment) -> PeriodicJob {
        PeriodicJob(name: "export-results", interval: environment.configuration.exportInterval) {
            while try await runOnce(environment) == batchSize {}
        }
    }

    static let batchSize = 200

    /// Exports up to `limit` due attempts in one transaction of three statements, whatever their number;
    /// returns how many it exported.
    @discardableResult
    static func runOnce(_ environment: ServiceEnvironment, limit: Int = batchSize) async throws -> Int {
        let now = environment.clock()
        let exported = try await environment.database.transaction { connection in
            let store = AttemptStore(connection: connection)
            // Each result carries the correlation id of the purchase it closes.
            let exports = try store.claimDueExports(limit: limit).compactMap { due in
                ExportRules.export(due.attempt, purchaseId: due.purchaseId, proctorRating: due.proctorRating, at: now)
                    .map { (export: $0, outbox: environment.outbox(correlationId: due.correlationId)) }
            }
            let events = try exports.flatMap { export, outbox in
                [try outbox.row(export.result, to: .outbound, id: export.messageId).1, try outbox.row(export.announcement).1]
            }
            try store.recordExports(exports.map { ($0.export.attemptId, $0.export.messageId) }, at: now)
            try OutboxWriter.enqueue(events, on: connection)
            return exports.count
        }
        if exported < limit { try await reportWaiting(environment) }
        return exported
    }

    /// Results whose authorization's purchase has not reached this service yet are not claimed, so they
    /// never hold back the others; they go out once `authorization.opened` arrives. Said once per round.
    private static func reportWaiting(_ environment: ServiceEnvironment) async throws {
        let waiting = try await environment.database.withConnection { try AttemptStore(connection: $0).exportsWaitingForPurchase() }
        if waiting > 0 {
            environment.logger.warning("results wait for their authorization's purchase", metadata: ["waiting": "\(waiting)"])
        }
    }
}
