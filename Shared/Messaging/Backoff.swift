/// Exponential back-off with jitter for reconnects and retries.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The next wait, growing ×2 up to `maximum`, with ±20 % jitter so replicas do not retry in step.
    public mutating func next() -> Duration {
        let wait = current
        current = min(current * 2, maximum)
        return wait * Double.random(in: 0.8...1.2)
    }

    public mutating func reset() { current = initial }
}

/// How long a message whose handler failed waits before it is delivered again: `base` after the first
/// failure, doubling with each further one, never more than `maximum`. With the defaults (1 s, 60 s) and
/// the delivery limit of 10, a message that always fails is dead-lettered after 4 min 3 s of waits
/// (1 + 2 + 4 + 8 + 16 + 32 + 60 + 60 + 60 s), not within seconds.
public struct RetryDelay: Sendable, Equatable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(60)) {
        self.base = base
        self.maximum = maximum
    }

    public func after(failedDeliveries: Int) -> Duration {
        let doublings = min(max(failedDeliveries - 1, 0), 30)
        return min(base * (1 << doublings), maximum)
    }

    /// The least time from a message's first delivery to its dead-lettering, when each of `limit`
    /// deliveries fails: the waits between them.
    public func totalBeforeDeadLetter(limit: Int) -> Duration {
        (1..<max(limit, 1)).reduce(.zero) { $0 + after(failedDeliveries: $1) }
    }
}
