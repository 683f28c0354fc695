import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Open authorizations past `validUntil` become Inactive (`authorization.inactivated`, reason `expired`),
/// and so do Assigned ones whose validity ended before their session starts (the sessions service then
/// cancels the booking, and the candidate is told). Rows are claimed with SKIP LOCKED, so replicas
/// share the work and never expire one twice.
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
            let assigned = try store.claimExpiredAssignments(at: now, limit: batchSize)
                .filter { AuthorizationRules.expiresUnused($0.authorization, sessionStart: $0.sessionStart, at: now) }
            let transitions = RecordTransition(connection: connection, outbox: outbox, now: now)
            for authorization in due {
                try transitions.apply(.expire, to: authorization, reason: "validity ended", actor: "system", messageId: nil)
            }
            for (authorization, _) in assigned {
                try transitions.apply(.expire, to: authorization, reason: "validity ended before its session", actor: "system", messageId: nil)
            }
            return max(due.count, assigned.count)
        }
    }
}
