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

    /// Exports what is due now; returns how many attempts it exported.
    @discardableResult
    static func runOnce(_ environment: ServiceEnvironment) async throws -> Int {
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: nil)
        let logger = environment.logger
        return try await environment.database.transaction { connection in
            let store = AttemptStore(connection: connection)
            var exported = 0
            for var attempt in try store.claimDueExports(limit: batchSize) where ExportRules.isDue(attempt) {
                guard let authorizationId = attempt.authorizationId, let verdict = attempt.verdict, let verifiedAt = attempt.verifiedAt,
                      let finishedAt = attempt.finishedAt, let score = attempt.score, let maxScore = attempt.maxScore, let passed = attempt.passed else { continue }
                guard let purchaseId = try store.purchaseId(ofAuthorization: authorizationId) else {
                    logger.warning("result waits for its authorization's purchase", metadata: ["attemptId": "\(attempt.id)", "authorizationId": .string(authorizationId)])
                    continue
                }
                let messageId = ExportRules.messageId(for: attempt.id)
                let attemptId = attempt.id.uuidString.lowercased()
                try outbox.publish(
                    ResultVerified(
                        authorizationId: authorizationId, purchaseId: purchaseId, candidateExternalId: attempt.candidateId, examCode: attempt.examCode,
                        bookingId: attemptId, finishedAt: finishedAt, score: score, maxScore: maxScore, passed: passed,
                        proctorRating: try store.report(of: attempt.id)?.report.rating, verdict: verdict, verifiedAt: verifiedAt
                    ),
                    to: .outbound, id: messageId, on: connection
                )
                attempt.exportedAt = now
                try store.update(attempt, at: now)
                try store.audit(attempt.id, action: "exported", actor: "system", detail: messageId, at: now)
                try outbox.publish(
                    ResultExported(
                        attemptId: attemptId, authorizationId: authorizationId, purchaseId: purchaseId, candidateId: attempt.candidateId,
                        examCode: attempt.examCode, exportMessageId: messageId, exportedAt: now
                    ),
                    on: connection
                )
                exported += 1
            }
            return exported
        }
    }
}
