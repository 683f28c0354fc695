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
