import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Open authorizations past `validUntil` become Inactive (`authorization.inactivated`, reason `expired`).
/// Rows are claimed with SKIP LOCKED, so replicas share the work and never expire one twice.
enum ExpireAuthorizations {
    static func job(_ environment: ServiceEnvironment, interval: Duration = .seconds(30)) -> PeriodicJob {
        PeriodicJob(name: "expire-authorizations", interval: interval) {
            while try await runOnce(environment) == batchSize {}
        }
    }

    static let batchSize = 500

    /// Expires one batch; returns how many it expired.
    static func runOnce(_ environment: ServiceEnvironment) async throws -> Int {
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: nil)
        return try await environment.database.transaction { connection in
            let store = AuthorizationStore(connection: connection)
            let due = try store.claimExpired(at: now, limit: batchSize).filter { AuthorizationRules.isExpired($0, at: now) }
            let transitions = RecordTransition(connection: connection, outbox: outbox, now: now)
            for authorization in due {
                try transitions.apply(.expire, to: authorization, reason: "validity ended", actor: "system", messageId: nil)
            }
            return due.count
        }
    }
}
