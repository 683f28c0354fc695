import Foundation

// Internal events owned by the verification service. An attempt's id is its booking's id.

public struct AttemptStarted: EventPayload, Equatable {
    public static let type: EventType = "attempt.started"
    public var attemptId: String
    public var bookingId: String
    public var sessionId: String
    public var candidateId: String
    public var examCode: String
    /// The authorization the attempt uses, when its booking was connected to one: from now on it is used.
    public var authorizationId: String?
    public var startedAt: Date
    public init(attemptId: String, bookingId: String, sessionId: String, candidateId: String, examCode: String, authorizationId: String? = nil, startedAt: Date) {
        self.attemptId = attemptId
        self.bookingId = bookingId
        self.sessionId = sessionId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
        self.startedAt = startedAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("bookingId", bookingId)
        v.identifier("sessionId", sessionId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
        v.identifier("authorizationId", authorizationId)
    }
}

public struct AttemptFinished: EventPayload, Equatable {
    public static let type: EventType = "attempt.finished"
    public var attemptId: String
    public var bookingId: String
    public var sessionId: String
    public var candidateId: String
    public var examCode: String
    public var authorizationId: String?
    public var finishedAt: Date
    public var score: Double
    public var maxScore: Double
    public var passed: Bool
    public init(
        attemptId: String, bookingId: String, sessionId: String, candidateId: String, examCode: String, authorizationId: String? = nil,
        finishedAt: Date, score: Double, maxScore: Double, passed: Bool
    ) {
        self.attemptId = attemptId
        self.bookingId = bookingId
        self.sessionId = sessionId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
        self.finishedAt = finishedAt
        self.score = score
        self.maxScore = maxScore
        self.passed = passed
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("bookingId", bookingId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
        v.identifier("authorizationId", authorizationId)
        v.nonNegative("score", score)
        v.nonNegative("maxScore", maxScore)
    }
}

/// The attempt was never started by the end of its session (plus a grace period).
public struct AttemptNoShow: EventPayload, Equatable {
    public static let type: EventType = "attempt.no_show"
    public var attemptId: String
    public var bookingId: String
    public var sessionId: String
    public var candidateId: String
    public var examCode: String
    public var authorizationId: String?
    public var sessionEnd: Date
    public var markedAt: Date
    public init(
        attemptId: String, bookingId: String, sessionId: String, candidateId: String, examCode: String, authorizationId: String?,
        sessionEnd: Date, markedAt: Date
    ) {
        self.attemptId = attemptId
        self.bookingId = bookingId
        self.sessionId = sessionId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
        self.sessionEnd = sessionEnd
        self.markedAt = markedAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("bookingId", bookingId)
        v.identifier("sessionId", sessionId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
        v.identifier("authorizationId", authorizationId)
    }
}

/// A CSR voided the attempt (it did not count: a fire alarm, a wrong exam handed out). Its booking is
/// cancelled and its authorization, used or not, is Open again.
public struct AttemptVoided: EventPayload, Equatable {
    public static let type: EventType = "attempt.voided"
    public var attemptId: String
    public var bookingId: String
    public var sessionId: String
    public var candidateId: String
    public var examCode: String
    public var authorizationId: String?
    public var reason: String
    public var actor: Actor
    public var voidedAt: Date
    public init(
        attemptId: String, bookingId: String, sessionId: String, candidateId: String, examCode: String, authorizationId: String?,
        reason: String, actor: Actor, voidedAt: Date
    ) {
        self.attemptId = attemptId
        self.bookingId = bookingId
        self.sessionId = sessionId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
        self.reason = reason
        self.actor = actor
        self.voidedAt = voidedAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("bookingId", bookingId)
        v.identifier("sessionId", sessionId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
        v.identifier("authorizationId", authorizationId)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// The CSR's verdict is in; the candidate may now see the result.
public struct AttemptVerified: EventPayload, Equatable {
    public static let type: EventType = "attempt.verified"
    public var attemptId: String
    public var bookingId: String
    public var candidateId: String
    public var examCode: String
    public var authorizationId: String?
    public var verdict: Verdict
    public var verifiedAt: Date
    public var verifiedBy: String
    public var candidate: CandidateContact?
    public init(attemptId: String, bookingId: String, candidateId: String, examCode: String, authorizationId: String?, verdict: Verdict, verifiedAt: Date, verifiedBy: String, candidate: CandidateContact?) {
        self.attemptId = attemptId
        self.bookingId = bookingId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
        self.verdict = verdict
        self.verifiedAt = verifiedAt
        self.verifiedBy = verifiedBy
        self.candidate = candidate
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("bookingId", bookingId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
        v.identifier("verifiedBy", verifiedBy)
        v.nested("candidate", candidate)
    }
}

public struct ProctorReportSubmitted: EventPayload, Equatable {
    public static let type: EventType = "proctor_report.submitted"
    public var attemptId: String
    public var sessionId: String
    public var proctorId: String
    public var rating: Int
    public var incidentCount: Int
    public var submittedAt: Date
    public init(attemptId: String, sessionId: String, proctorId: String, rating: Int, incidentCount: Int, submittedAt: Date) {
        self.attemptId = attemptId
        self.sessionId = sessionId
        self.proctorId = proctorId
        self.rating = rating
        self.incidentCount = incidentCount
        self.submittedAt = submittedAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("sessionId", sessionId)
        v.identifier("proctorId", proctorId)
        v.range("rating", rating, 1...5)
        if incidentCount < 0 { v.fail("incidentCount", "must not be negative") }
    }
}

/// The broker confirmed a `result.verified` for the external system.
public struct ResultExported: EventPayload, Equatable {
    public static let type: EventType = "result.exported"
    public var attemptId: String
    public var authorizationId: String
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var exportMessageId: String
    public var exportedAt: Date
    public init(attemptId: String, authorizationId: String, purchaseId: String, candidateId: String, examCode: String, exportMessageId: String, exportedAt: Date) {
        self.attemptId = attemptId
        self.authorizationId = authorizationId
        self.purchaseId = purchaseId
        self.candidateId = candidateId
        self.examCode = examCode
        self.exportMessageId = exportMessageId
        self.exportedAt = exportedAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("attemptId", attemptId)
        v.identifier("authorizationId", authorizationId)
        v.identifier("purchaseId", purchaseId)
        v.identifier("candidateId", candidateId)
        v.identifier("exportMessageId", exportMessageId)
    }
}
