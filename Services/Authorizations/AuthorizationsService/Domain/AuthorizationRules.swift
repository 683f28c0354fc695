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

    /// Open and past `validUntil` at `now`.
    public static func isExpired(_ authorization: Authorization, at now: Date) -> Bool {
        guard authorization.status == .open, let validUntil = authorization.validUntil else { return false }
        return validUntil <= now
    }
}
