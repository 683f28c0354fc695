import Foundation

/// At most `perSecond` emails leave this process per second, whichever sender sends them.
final class RateLimiter: @unchecked Sendable {
    private let interval: TimeInterval
    private var next = Date.distantPast
    private let lock = NSLock()

    init(perSecond: Int) { interval = 1 / Double(perSecond) }

    /// How long the caller must wait before its send; the slot is taken either way.
    func reserve(now: Date = Date()) -> TimeInterval {
        lock.withLock {
            let slot = max(next, now)
            next = slot.addingTimeInterval(interval)
            return slot.timeIntervalSince(now)
        }
    }
}
