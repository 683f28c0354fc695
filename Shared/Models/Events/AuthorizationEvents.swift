import Foundation

// Internal events owned by the authorizations service.

/// What every authorization event names, so consumers act without asking back.
public struct AuthorizationRef: Codable, Sendable, Equatable, Validatable {
    public var authorizationId: String
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String

    public init(authorizationId: String, purchaseId: String, candidateId: String, examCode: String) {
        self.authorizationId = authorizationId
        self.purchaseId = purchaseId
        self.candidateId = candidateId
        self.examCode = examCode
    }

    public func validate(into v: inout Validator) {
        v.identifier("authorizationId", authorizationId)
        v.identifier("purchaseId", purchaseId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
    }
}

/// An event about one authorization, naming it the same way everywhere.
public protocol AuthorizationEventPayload: EventPayload {
    var authorizationId: String { get }
    var purchaseId: String { get }
    var candidateId: String { get }
    var examCode: String { get }
}

extension AuthorizationEventPayload {
    public var ref: AuthorizationRef {
        AuthorizationRef(authorizationId: authorizationId, purchaseId: purchaseId, candidateId: candidateId, examCode: examCode)
    }
}

/// A new Open authorization, with the candidate's contact for the projections downstream.
public struct AuthorizationOpened: AuthorizationEventPayload, Equatable {
    public static let type: EventType = "authorization.opened"
    public var authorizationId: String
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var validUntil: Date?
    public var candidate: CandidateProfile

    public init(ref: AuthorizationRef, validUntil: Date?, candidate: CandidateProfile) {
        authorizationId = ref.authorizationId
        purchaseId = ref.purchaseId
        candidateId = ref.candidateId
        examCode = ref.examCode
        self.validUntil = validUntil
        self.candidate = candidate
    }

    public func validate(into v: inout Validator) {
        ref.validate(into: &v)
        v.nested("candidate", candidate)
    }
}

/// The owner confirmed the authorization is connected to a booking.
public struct AuthorizationAssigned: AuthorizationEventPayload, Equatable {
    public static let type: EventType = "authorization.assigned"
    public var authorizationId: String
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var bookingId: String
    public var sessionId: String

    public init(ref: AuthorizationRef, bookingId: String, sessionId: String) {
        authorizationId = ref.authorizationId
        purchaseId = ref.purchaseId
        candidateId = ref.candidateId
        examCode = ref.examCode
        self.bookingId = bookingId
        self.sessionId = sessionId
    }

    public func validate(into v: inout Validator) {
        ref.validate(into: &v)
        v.identifier("bookingId", bookingId)
        v.identifier("sessionId", sessionId)
    }
}

/// The booking using the authorization was cancelled: it is Open again.
public struct AuthorizationReleased: AuthorizationEventPayload, Equatable {
    public static let type: EventType = "authorization.released"
    public var authorizationId: String
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var bookingId: String

    public init(ref: AuthorizationRef, bookingId: String) {
        authorizationId = ref.authorizationId
        purchaseId = ref.purchaseId
        candidateId = ref.candidateId
        examCode = ref.examCode
        self.bookingId = bookingId
    }

    public func validate(into v: inout Validator) {
        ref.validate(into: &v)
        v.identifier("bookingId", bookingId)
    }
}

/// Why an authorization can no longer be used.
public enum InactivationReason: String, Codable, Sendable, CaseIterable {
    case refunded, expired, deactivated, consumed
}

/// The authorization is Inactive for good. `bookingId` names a booking that must be cancelled with it.
public struct AuthorizationInactivated: AuthorizationEventPayload, Equatable {
    public static let type: EventType = "authorization.inactivated"
    public var authorizationId: String
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var reason: InactivationReason
    public var detail: String?
    public var previousStatus: AuthorizationStatus
    public var bookingId: String?

    public init(ref: AuthorizationRef, reason: InactivationReason, detail: String?, previousStatus: AuthorizationStatus, bookingId: String?) {
        authorizationId = ref.authorizationId
        purchaseId = ref.purchaseId
        candidateId = ref.candidateId
        examCode = ref.examCode
        self.reason = reason
        self.detail = detail
        self.previousStatus = previousStatus
        self.bookingId = bookingId
    }

    public func validate(into v: inout Validator) {
        ref.validate(into: &v)
        v.text("detail", detail, maxLength: 1000)
        v.identifier("bookingId", bookingId)
    }
}

/// The owner refused a booking's claim on the authorization; sessions cancels that booking.
public struct AuthorizationAssignmentRejected: EventPayload, Equatable {
    public static let type: EventType = "authorization.assignment_rejected"
    public var authorizationId: String
    public var candidateId: String
    public var examCode: String?
    public var bookingId: String
    public var sessionId: String
    public var reason: String
    public var status: AuthorizationStatus?

    public init(authorizationId: String, candidateId: String, examCode: String?, bookingId: String, sessionId: String, reason: String, status: AuthorizationStatus?) {
        self.authorizationId = authorizationId
        self.candidateId = candidateId
        self.examCode = examCode
        self.bookingId = bookingId
        self.sessionId = sessionId
        self.reason = reason
        self.status = status
    }

    public func validate(into v: inout Validator) {
        v.identifier("authorizationId", authorizationId)
        v.identifier("candidateId", candidateId)
        v.identifier("bookingId", bookingId)
        v.identifier("sessionId", sessionId)
        v.text("reason", reason, maxLength: 1000)
    }
}
