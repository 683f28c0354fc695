import Foundation

/// What an admin may do to staff accounts. Pure.
public enum AccountRules {
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case ownAccount
        case lastAdmin

        public var description: String {
            switch self {
            case .ownAccount: "You cannot change your own role or deactivate yourself; ask another admin."
            case .lastAdmin: "This is the last active admin: make someone else an admin first."
            }
        }
    }

    /// An admin changes another account's role or active flag; the installation always keeps an admin.
    /// `activeAdmins` counts active admin accounts now, the target included.
    public static func checkChange(of target: Account, by actor: Account, to role: StaffRole, active: Bool, activeAdmins: Int) throws(Refusal) {
        guard target.id != actor.id else { throw .ownAccount }
        let losesAdmin = target.role == .admin && target.active && (role != .admin || !active)
        if losesAdmin, activeAdmins <= 1 { throw .lastAdmin }
    }

    /// How long an invitation to set a password stays usable.
    public static let invitationLifetime: TimeInterval = 72 * 3600

    /// A link is usable once, before it expires.
    public static func linkUsable(expiresAt: Date, usedAt: Date?, now: Date) -> Bool {
        usedAt == nil && now < expiresAt
    }
}
