import ExamHallServiceKit
import Foundation

/// The roles a staff account may hold; candidates have no account (they sign in by one-time link).
public enum StaffRole: String, Sendable, CaseIterable {
    case admin, csr, proctor

    public var role: Role {
        switch self {
        case .admin: .admin
        case .csr: .csr
        case .proctor: .proctor
        }
    }
}

/// A staff account.
public struct Account: Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var name: String
    public var role: StaffRole
    public var passwordHash: String?
    public var proctorId: UUID?
    public var active: Bool

    public init(id: UUID, email: String, name: String, role: StaffRole, passwordHash: String?, proctorId: UUID?, active: Bool) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.proctorId = proctorId
        self.active = active
    }

    /// Who the services see: a proctor acts as their registry entry, other staff as their account.
    public var principal: Principal {
        let subject = role == .proctor ? (proctorId ?? id) : id
        return Principal(subject: subject.uuidString.lowercased(), role: role.role, name: name, email: email)
    }
}
