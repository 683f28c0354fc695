/// How often one client may do something: up to `capacity` at once, then one more every
/// `1 / perSecond` seconds. Pure: the time (seconds on a monotonic clock) is passed in.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let perSecond: Double
    private(set) var tokens: Double
    private(set) var updated: Double

    public init(capacity: Int, perSecond: Double, now: Double) {
        self.capacity = Double(capacity)
        self.perSecond = perSecond
        self.tokens = Double(capacity)
        self.updated = now
    }

    /// Takes one token: nil when there was one, else the seconds until there will be.
    public mutating func take(now: Double) -> Double? {
        refill(now: now)
        guard tokens >= 1 else { return (1 - tokens) / perSecond }
        tokens -= 1
        return nil
    }

    /// Whether the bucket is full again at `now`, i.e. remembering it makes no difference.
    public func isFull(now: Double) -> Bool {
        tokens + (now - updated) * perSecond >= capacity
    }

    private mutating func refill(now: Double) {
        tokens = min(capacity, tokens + max(0, now - updated) * perSecond)
        updated = max(updated, now)
    }
}
