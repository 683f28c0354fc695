import Foundation

/// One token signing key as stored: when it began signing and when it stopped.
public struct SigningKeyRecord: Sendable, Equatable {
    public var kid: String
    public var createdAt: Date
    public var retiredAt: Date?

    public init(kid: String, createdAt: Date, retiredAt: Date? = nil) {
        self.kid = kid
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}

/// When a new signing key is made and how long an old one stays published. Pure; time passed in.
public enum SigningKeyRotation {
    /// The key that signs now: the newest one not retired.
    public static func signing(_ keys: [SigningKeyRecord]) -> SigningKeyRecord? {
        keys.filter { $0.retiredAt == nil }.max { $0.createdAt < $1.createdAt }
    }

    /// True when there is no signing key, or it has signed for a whole rotation period.
    public static func needsNewKey(_ keys: [SigningKeyRecord], now: Date, rotationPeriod: TimeInterval) -> Bool {
        guard let current = signing(keys) else { return true }
        return now.timeIntervalSince(current.createdAt) >= rotationPeriod
    }

    /// The keys a verifier must still be able to find: those signing, and retired ones whose last
    /// tokens may not have expired yet (plus `grace` for clocks and caches).
    public static func published(_ keys: [SigningKeyRecord], now: Date, tokenLifetime: TimeInterval, grace: TimeInterval) -> [SigningKeyRecord] {
        keys.filter { key in
            guard let retiredAt = key.retiredAt else { return true }
            return now.timeIntervalSince(retiredAt) < tokenLifetime + grace
        }
        .sorted { $0.createdAt > $1.createdAt }
    }

    /// Retired keys no verifier can need any more, which may be deleted.
    public static func expired(_ keys: [SigningKeyRecord], now: Date, tokenLifetime: TimeInterval, grace: TimeInterval) -> [SigningKeyRecord] {
        let kept = Set(published(keys, now: now, tokenLifetime: tokenLifetime, grace: grace).map(\.kid))
        return keys.filter { !kept.contains($0.kid) }
    }
}
