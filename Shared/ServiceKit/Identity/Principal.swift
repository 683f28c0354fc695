/// The roles a token may carry: admin, csr, proctor and candidate.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// `integration`: the external payment system, reading what became of its purchases (authorizations
    /// and bookings by purchase or candidate, and exports); it changes nothing and sees no contact data.
    case admin, csr, proctor, integration, candidate

    /// When an identity provider lists several roles, the most privileged one counts.
    public static let byPrivilege: [Role] = [.admin, .csr, .proctor, .integration, .candidate]
}

/// A verified caller. For candidates `subject` is their external id; for proctors, their registry id.
public struct Principal: Sendable, Equatable {
    public var subject: String
    public var role: Role
    public var name: String?
    public var email: String?
    public var language: String?
    public var timeZone: String?

    public init(subject: String, role: Role, name: String? = nil, email: String? = nil, language: String? = nil, timeZone: String? = nil) {
        self.subject = subject
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.timeZone = timeZone
    }

    public var isStaff: Bool { role == .admin || role == .csr }

    /// How audit and history lines name the caller: `csr:<id>`, `candidate:<id>`, ….
    public var auditName: String { "\(role.rawValue):\(subject)" }
}
