import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus registry behind swift-metrics; `/metrics` renders it.
public enum MetricsBootstrap {
    private static let state = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Once per process (tests build several services in one process and share it).
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        state.withLock { state in
            if let registry = state { return registry }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            // Libraries name metrics with dots (`http.server.request.duration`); Prometheus wants underscores.
            factory.nameAndLabelSanitizer = { name, labels in
                (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
            }
            MetricsSystem.bootstrap(factory)
            state = registry
            return registry
        }
    }

    private static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }
}

/// ExamHall's own metrics, named once here so dashboards and alerts can rely on them.
public enum ExamHallMetrics {
    public static func consumed(type: String, outcome: String) {
        Counter(label: "examhall_messages_consumed_total", dimensions: [("type", type), ("outcome", outcome)]).increment()
    }

    public static func deadLettered(type: String) {
        Counter(label: "examhall_messages_dead_lettered_total", dimensions: [("type", type)]).increment()
    }

    public static func published(type: String, count: Int = 1) {
        Counter(label: "examhall_messages_published_total", dimensions: [("type", type)]).increment(by: count)
    }

    /// An email send attempt: outcome `sent`, `retried` or `failed`.
    public static func email(kind: String, outcome: String) {
        Counter(label: "examhall_emails_total", dimensions: [("kind", kind), ("outcome", outcome)]).increment()
    }

    /// An outbox row the broker refused or returned, kept for a later try; `reason` is `refused` or `returned`.
    public static func publishRefused(type: String, reason: String) {
        Counter(label: "examhall_outbox_refused_total", dimensions: [("type", type), ("reason", reason)]).increment()
    }

    /// A request refused with 429 by the rate limit `limit` (e.g. `public-sign-in`).
    public static func rateLimited(limit: String) {
        Counter(label: "examhall_rate_limited_total", dimensions: [("limit", limit)]).increment()
    }

    /// `examhall_ready` (1 or 0) and `examhall_dependency_up{dependency}`, as `/health/ready` would answer.
    public static func readiness(ready: Bool, dependencies: [String: Bool]) {
        Gauge(label: "examhall_ready").record(ready ? 1 : 0)
        for (name, up) in dependencies { Gauge(label: "examhall_dependency_up", dimensions: [("dependency", name)]).record(up ? 1 : 0) }
    }

    public static func batchRetried() {
        Counter(label: "examhall_batches_retried_total").increment()
    }

    public static func handlerDuration(type: String, _ duration: Duration) {
        Timer(label: "examhall_handler_duration_seconds", dimensions: [("type", type)]).record(duration: duration)
    }

    public static func outbox(backlog: Int, oldestAgeSeconds: Double) {
        Gauge(label: "examhall_outbox_backlog").record(backlog)
        Gauge(label: "examhall_outbox_oldest_age_seconds").record(oldestAgeSeconds)
    }

    public static func jobRun(job: String, outcome: String, lagSeconds: Double) {
        Counter(label: "examhall_job_runs_total", dimensions: [("job", job), ("outcome", outcome)]).increment()
        Gauge(label: "examhall_scheduler_lag_seconds", dimensions: [("job", job)]).record(lagSeconds)
    }
}

extension Timer {
    func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
