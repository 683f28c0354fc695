import Foundation

/// How many failed sign-ins are tolerated before an account or a client address must wait: enough for
/// a person who mistypes, far too few for guessing. Pure; the failures and the time are passed in.
public enum SignInThrottle {
    public static let window: TimeInterval = 15 * 60
    public static let failuresPerAccount = 5
    public static let failuresPerAddress = 20

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Wait this long before trying again.
        case throttled(retryAfter: TimeInterval)
    }

    /// `accountFailures` and `addressFailures` are the times of recent failures, in any order.
    public static func decide(accountFailures: [Date], addressFailures: [Date], now: Date) -> Decision {
        let waits = [
            wait(accountFailures, limit: failuresPerAccount, now: now),
            wait(addressFailures, limit: failuresPerAddress, now: now),
        ].compactMap { $0 }
        guard let longest = waits.max() else { return .allowed }
        return .throttled(retryAfter: longest)
    }

    /// With `limit` or more failures in the window, the wait until the oldest of the last `limit` leaves it.
    private static func wait(_ failures: [Date], limit: Int, now: Date) -> TimeInterval? {
        let recent = failures.filter { now.timeIntervalSince($0) < window }.sorted(by: >)
        guard recent.count >= limit else { return nil }
        return max(1, window - now.timeIntervalSince(recent[limit - 1]))
    }
}
