import ExamHallModels
import Foundation

/// The authorization decisions, as pure functions: state and time in, decision out.
public enum AuthorizationRules {
    /// What a `purchase.completed` does.
    public enum Opening: Equatable, Sendable {
        /// Open a new authorization (Inactive at once when the purchase was already refunded).
        case open(initialStatus: AuthorizationStatus)
        /// This purchase already has its authorization: a re-send changes nothing.
        case alreadyOpened
    }

    public static func opening(purchaseAlreadyKnown: Bool, refundedEarlier: Bool) -> Opening {
        if purchaseAlreadyKnown { return .alreadyOpened }
        return .open(initialStatus: refundedEarlier ? .inactive : .open)
    }

    /// The result of applying an action to an authorization: its new status and, when it becomes
    /// Inactive, why. Refusals are `AuthorizationRuleViolation`s.
    public struct Transition: Equatable, Sendable {
        public let from: AuthorizationStatus
        public let to: AuthorizationStatus
        public let inactivationReason: InactivationReason?
    }

    public static func transition(_ authorization: Authorization, _ action: AuthorizationAction) throws(AuthorizationRuleViolation) -> Transition {
        let next = try authorization.status.applying(action)
        return Transition(
            from: authorization.status, to: next,
            inactivationReason: next == .inactive ? AuthorizationStatus.inactivationReason(for: action) : nil
        )
    }

    /// How a booking that held an authorization ended.
    public enum BookingEnd: Equatable, Sendable {
        /// Cancelled (or rejected); `attemptStarted` when its attempt had begun.
        case cancelled(attemptStarted: Bool)
        /// The candidate never started the attempt; the exam's policy decides.
        case noShow(NoShowPolicy)
    }

    /// Whether the end of booking `bookingId` makes `authorization` Open again. One whose attempt
    /// started is used and never returns to Open; a no-show keeps it unless the exam says `release`.
    public static func releases(_ authorization: Authorization, endOf bookingId: String, _ end: BookingEnd) -> Bool {
        guard authorization.status == .assigned, authorization.bookingId == bookingId, authorization.attemptStartedAt == nil else { return false }
        switch end {
        case let .cancelled(attemptStarted): return !attemptStarted
        case let .noShow(policy): return policy == .release
        }
    }

    /// Open and past `validUntil` at `now`.
    /// An Assigned authorization whose validity ended before its session starts, its attempt not begun:
    /// it expires, and its booking is cancelled. Once the session or the attempt has started it stays.
    public static func expiresUnused(_ authorization: Authorization, sessionStart: Date, at now: Date) -> Bool {
        guard authorization.status == .assigned, authorization.attemptStartedAt == nil, let validUntil = authorization.validUntil else { return false }
        return validUntil <= now && now < sessionStart
    }

    public static func isExpired(_ authorization: Authorization, at now: Date) -> Bool {
        guard authorization.status == .open, let validUntil = authorization.validUntil else { return false }
        return validUntil <= now
    }
}
