import Foundation

// A candidate's right to erasure: requested from outside, confirmed by each service.

/// The external system asks that a candidate's personal data be erased (inbound, on `examhall.inbound`).
public struct CandidateErasureRequested: EventPayload, Equatable {
    public static let type: EventType = "candidate.erasure_requested"
    public var externalId: String

    public init(externalId: String) { self.externalId = externalId }

    public func validate(into v: inout Validator) { v.identifier("externalId", externalId) }
}

/// One service erased (or replaced by a pseudonym) what it held about a candidate. Every service sends
/// its own, once per request; what exam integrity needs (ids, scores, verdicts, the audit) stays.
public struct CandidateErased: EventPayload, Equatable {
    public static let type: EventType = "candidate.erased"
    public var candidateId: String
    /// The service that erased: sessions, authorizations, verification, notifications or console.
    public var service: String
    public var erasedAt: Date

    public init(candidateId: String, service: String, erasedAt: Date) {
        self.candidateId = candidateId
        self.service = service
        self.erasedAt = erasedAt
    }

    public func validate(into v: inout Validator) {
        v.identifier("candidateId", candidateId)
        v.identifier("service", service)
    }
}
