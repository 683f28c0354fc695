/// An exam authorization's lifecycle: Open → Assigned → Inactive, with Assigned → Open when its booking
/// is cancelled and Open → Inactive on deletion, refund or expiry.
public enum AuthorizationStatus: String, Codable, Sendable, CaseIterable {
    case open, assigned, inactive
}

/// Something that happens to an authorization.
public enum AuthorizationAction: Sendable, Equatable {
    /// A booking claims it.
    case assign
    /// The booking that held it was cancelled.
    case release
    /// `validUntil` passed while it was still Open.
    case expire
    /// A CSR or admin withdrew it.
    case deactivate
    /// The external system refunded the purchase; a booking that held it is cancelled.
    case refund
    /// The attempt it paid for was taken.
    case consume
}

/// Why an action is refused; each case maps to a stable problem type over HTTP.
public enum AuthorizationRuleViolation: Error, Sendable, Equatable, CustomStringConvertible {
    case notOpen(AuthorizationStatus)
    case notAssigned(AuthorizationStatus)
    case inUse
    case alreadyInactive

    public var problemType: String {
        switch self {
        case .notOpen: "authorization-not-open"
        case .notAssigned: "authorization-not-assigned"
        case .inUse: "authorization-in-use"
        case .alreadyInactive: "authorization-inactive"
        }
    }

    public var description: String {
        switch self {
        case let .notOpen(status): "the authorization is \(status.rawValue), not open"
        case let .notAssigned(status): "the authorization is \(status.rawValue), not assigned"
        case .inUse: "the authorization is assigned to a booking; cancel the booking first"
        case .alreadyInactive: "the authorization is already inactive"
        }
    }
}

extension AuthorizationStatus {
    /// The status after `action`, or the rule it would break. Pure: every decision about status goes here.
    public func applying(_ action: AuthorizationAction) throws(AuthorizationRuleViolation) -> AuthorizationStatus {
        switch (self, action) {
        case (.inactive, _): throw .alreadyInactive
        case (.open, .assign): return .assigned
        case (.open, .expire), (.open, .deactivate), (.open, .refund): return .inactive
        case (.open, .release), (.open, .consume): throw .notAssigned(self)
        case (.assigned, .release): return .open
        case (.assigned, .refund), (.assigned, .consume): return .inactive
        case (.assigned, .assign): throw .notOpen(self)
        // Expiry takes an Assigned authorization only before its attempt and its session have started
        // (AuthorizationRules.expiresUnused decides); its booking is then cancelled.
        case (.assigned, .expire): return .inactive
        // An authorization in use does not vanish under its booking.
        case (.assigned, .deactivate): throw .inUse
        }
    }

    /// The reason recorded when an action makes an authorization Inactive.
    public static func inactivationReason(for action: AuthorizationAction) -> InactivationReason? {
        switch action {
        case .expire: .expired
        case .deactivate: .deactivated
        case .refund: .refunded
        case .consume: .consumed
        case .assign, .release: nil
        }
    }
}
