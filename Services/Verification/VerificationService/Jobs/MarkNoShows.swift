import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Attempts never started by the end of their session plus a grace period become no-shows
/// (`attempt.no_show`, which ends the booking in the sessions service). Rows are
/// claimed with SKIP LOCKED, so replicas share the work and never mark one twice.
enum MarkNoShows {
    static func job(_ environment: ServiceEnvironment) -> PeriodicJob {
        PeriodicJob(name: "mark-no-shows", interval: environment.configuration.noShowInterval) {
            while try await runOnce(environment) == batchSize {}
        }
    }

    static let batchSize = 500

    static func runOnce(_ environment: ServiceEnvironment, grace: TimeInterval = AttemptRules.defaultNoShowGrace) async throws -> Int {
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: nil)
        return try await environment.database.transaction { connection in
            let store = AttemptStore(connection: connection)
            let due = try store.claimUnstarted(endedBefore: now.addingTimeInterval(-grace), limit: batchSize)
                .filter { AttemptRules.isNoShow($0, now: now, grace: grace) }
            for var attempt in due {
                attempt.status = .noShow
                try store.update(attempt, at: now)
                try store.audit(attempt.id, action: "no-show", actor: "system", detail: nil, at: now)
                let id = attempt.id.uuidString.lowercased()
                try outbox.publish(
                    AttemptNoShow(
                        attemptId: id, bookingId: id, sessionId: attempt.sessionId, candidateId: attempt.candidateId, examCode: attempt.examCode,
                        authorizationId: attempt.authorizationId, sessionEnd: attempt.sessionEnd, markedAt: now
                    ),
                    on: connection
                )
            }
            return due.count
        }
    }
}
