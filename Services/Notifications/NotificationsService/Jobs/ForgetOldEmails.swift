import ExamHallServiceKit
import Foundation

/// Emails are kept rendered so that a CSR can see what a candidate was sent; past the retention
/// (`EXAMHALL_EMAIL_RETENTION_DAYS`) the address and body go, in small batches so that no long
/// transaction holds the senders up. What was sent, of which kind, and when, stays.
enum ForgetOldEmails {
    static func job(_ environment: ServiceEnvironment, settings: NotificationSettings, interval: Duration = .seconds(3600)) -> PeriodicJob {
        PeriodicJob(name: "forget-old-emails", interval: interval) { try await run(environment, settings: settings) }
    }

    /// Forgets everything past its retention, batch by batch; returns how many emails it took.
    @discardableResult
    static func run(_ environment: ServiceEnvironment, settings: NotificationSettings) async throws -> Int {
        var total = 0
        while true {
            let taken = try await runOnce(environment, settings: settings)
            total += taken
            if taken < batchSize { return total }
        }
    }

    static let batchSize = 1000

    /// Forgets one batch; returns how many emails it took.
    @discardableResult
    static func runOnce(_ environment: ServiceEnvironment, settings: NotificationSettings) async throws -> Int {
        let cutoff = DeliveryRules.retentionCutoff(now: environment.clock(), days: settings.emailRetentionDays)
        return try await environment.database.withConnection { connection in
            try DeliveryStore(connection: connection).forgetContent(createdBefore: cutoff, limit: batchSize)
        }
    }
}
