import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Attempts never started by the end of their session plus a grace period become no-shows. Rows are
/// claimed with SKIP LOCKED, so replicas share the work and never mark one twice.
enum MarkNoShows {
    static func job(_ environment: ServiceEnvironment, interval: Duration = .seconds(60)) -> PeriodicJob {
        PeriodicJob(name: "mark-no-shows", interval: interval) {
            while try await runOnce(environment) == batchSize {}
        }
    }

    static let batchSize = 500

    static func runOnce(_ environment: ServiceEnvironment, grace: TimeInterval = AttemptRules.defaultNoShowGrace) async throws -> Int {
        let now = environment.clock()
        return try await environment.database.transaction { connection in
            let store = AttemptStore(connection: connection)
            let due = try store.claimUnstarted(endedBefore: now.addingTimeInterval(-grace), limit: batchSize)
                .filter { AttemptRules.isNoShow($0, now: now, grace: grace) }
            for var attempt in due {
                attempt.status = .noShow
                try store.update(attempt, at: now)
                try store.audit(attempt.id, action: "no-show", actor: "system", detail: nil, at: now)
            }
            return due.count
        }
    }
}
