import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Limits how often one client address may call the operations a stranger can reach (signing in,
/// asking for a sign-in link, opening a one-time link): past its bucket it gets 429 with Retry-After,
/// before any work is done. Per replica, in memory: a limit on abuse, not a quota.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = ExamHallRequestContext

    private let name: String
    private let limiter: ClientRateLimiter
    private let applies: @Sendable (Request) -> Bool

    /// `name` labels the metric of refusals; `perMinute` calls per address, all of them at once if need be.
    public init(name: String, perMinute: Int, applies: @escaping @Sendable (Request) -> Bool) {
        self.name = name
        self.limiter = ClientRateLimiter(capacity: perMinute, perSecond: Double(perMinute) / 60)
        self.applies = applies
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if applies(request), let wait = limiter.take(context.remoteAddress?.ipAddress ?? "unknown") {
            ExamHallMetrics.rateLimited(limit: name)
            throw HTTPError(
                .tooManyRequests, headers: [.retryAfter: String(Int(wait.rounded(.up)))],
                message: "Too many attempts from your address; try again in \(Int(wait.rounded(.up))) s."
            )
        }
        return try await next(request, context)
    }
}

/// One token bucket per client address. Buckets that have filled up again are dropped when the table
/// grows, so a flood of addresses cannot grow it without bound.
final class ClientRateLimiter: Sendable {
    private let capacity: Int
    private let perSecond: Double
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let start = ContinuousClock.now
    static let pruneAbove = 10_000

    init(capacity: Int, perSecond: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
    }

    /// Nil when `client` may go ahead; else the seconds until it may.
    func take(_ client: String) -> Double? {
        let elapsed = ContinuousClock.now - start
        let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return buckets.withLock { buckets in
            if buckets.count > Self.pruneAbove { buckets = buckets.filter { !$0.value.isFull(now: now) } }
            var bucket = buckets[client] ?? TokenBucket(capacity: capacity, perSecond: perSecond, now: now)
            let wait = bucket.take(now: now)
            buckets[client] = bucket
            return wait
        }
    }
}
