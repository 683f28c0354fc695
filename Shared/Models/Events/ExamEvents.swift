import Foundation

// The exam catalog, owned by the sessions service: what other services need to know of an exam.

/// What happens to the authorization of a booking whose candidate never started the attempt.
public enum NoShowPolicy: String, Codable, Sendable, CaseIterable {
    /// The authorization is used up: it stays Assigned to the no-show booking.
    case forfeit
    /// The authorization is Open again, for another booking.
    case release
}

/// An exam was added to the catalog or changed. Consumers keep the latest by `updatedAt`.
public struct ExamUpdated: EventPayload, Equatable {
    public static let type: EventType = "exam.updated"
    public var examCode: String
    public var title: String
    /// False: a finished attempt is verified by the system at once, without a CSR's verdict.
    public var verificationRequired: Bool
    public var noShowPolicy: NoShowPolicy
    public var updatedAt: Date
    public init(examCode: String, title: String, verificationRequired: Bool, noShowPolicy: NoShowPolicy, updatedAt: Date) {
        self.examCode = examCode
        self.title = title
        self.verificationRequired = verificationRequired
        self.noShowPolicy = noShowPolicy
        self.updatedAt = updatedAt
    }
    public func validate(into v: inout Validator) {
        v.examCode("examCode", examCode)
        v.text("title", title)
    }
}
