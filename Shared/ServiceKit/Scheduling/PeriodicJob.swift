import ExamHallMessaging
import Foundation
import Logging
import ServiceLifecycle

/// Work a service does on a timer (expiring authorizations, exporting results, sending reminders).
/// Jobs must be safe with several replicas: claim rows with `FOR UPDATE SKIP LOCKED`.
public struct PeriodicJob: Sendable {
    public let name: String
    public let interval: Duration
    public let run: @Sendable () async throws -> Void

    public init(name: String, interval: Duration, run: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.run = run
    }
}

/// Runs one job every `interval` until shutdown; a failing run is logged and retried next time.
final class PeriodicJobService: Service, Sendable {
    private let job: PeriodicJob
    private let logger: Logger

    init(job: PeriodicJob, logger: Logger) {
        self.job = job
        self.logger = logger
    }

    func run() async throws {
        var due = ContinuousClock.now + job.interval
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let wait = due - ContinuousClock.now
            if wait > .zero { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) } }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let lag = ContinuousClock.now - due
            let lagSeconds = Double(lag.components.seconds) + Double(lag.components.attoseconds) / 1e18
            do {
                try await job.run()
                ExamHallMetrics.jobRun(job: job.name, outcome: "ok", lagSeconds: lagSeconds)
            } catch {
                ExamHallMetrics.jobRun(job: job.name, outcome: "failed", lagSeconds: lagSeconds)
                logger.warning("job failed", metadata: ["job": .string(job.name), "error": "\(error)"])
            }
            due = max(due + job.interval, ContinuousClock.now)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// True once the service is stopping (SIGTERM) or the task was cancelled: jobs that work through a
    /// backlog check it between units of work and hand back what they have not started.
    public static var isStopping: Bool { isShuttingDownGracefully || isCancelled }
}
