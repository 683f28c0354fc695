import ExamHallModels
import Foundation

/// An exam authorization as the authorizations service owns it.
public struct Authorization: Sendable, Equatable, Codable {
    public var id: UUID
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var status: AuthorizationStatus
    public var validUntil: Date?
    public var bookingId: String?
    public var sessionId: String?
    public var inactivationReason: InactivationReason?
    /// When the attempt it is assigned to started: from then on it is used.
    public var attemptStartedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public var ref: AuthorizationRef {
        AuthorizationRef(authorizationId: id.uuidString.lowercased(), purchaseId: purchaseId, candidateId: candidateId, examCode: examCode)
    }
}

/// One line of an authorization's status history.
public struct StatusChange: Sendable, Equatable, Codable {
    public var from: AuthorizationStatus?
    public var to: AuthorizationStatus
    public var reason: String
    public var actor: String
    public var at: Date
}
