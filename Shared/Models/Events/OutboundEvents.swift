import Foundation

// Events ExamHall publishes for external systems on `examhall.outbound`.

/// A verified result for the system that sold the exam. Its envelope `id` is stable per attempt.
public struct ResultVerified: EventPayload, Equatable {
    public static let type: EventType = "result.verified"
    public var authorizationId: String
    public var purchaseId: String
    public var candidateExternalId: String
    public var examCode: String
    public var bookingId: String
    public var finishedAt: Date
    public var score: Double
    public var maxScore: Double
    public var passed: Bool
    public var proctorRating: Int?
    public var verdict: Verdict
    public var verifiedAt: Date

    public init(
        authorizationId: String, purchaseId: String, candidateExternalId: String, examCode: String, bookingId: String,
        finishedAt: Date, score: Double, maxScore: Double, passed: Bool, proctorRating: Int?, verdict: Verdict, verifiedAt: Date
    ) {
        self.authorizationId = authorizationId
        self.purchaseId = purchaseId
        self.candidateExternalId = candidateExternalId
        self.examCode = examCode
        self.bookingId = bookingId
        self.finishedAt = finishedAt
        self.score = score
        self.maxScore = maxScore
        self.passed = passed
        self.proctorRating = proctorRating
        self.verdict = verdict
        self.verifiedAt = verifiedAt
    }

    public func validate(into v: inout Validator) {
        v.identifier("authorizationId", authorizationId)
        v.identifier("purchaseId", purchaseId)
        v.identifier("candidateExternalId", candidateExternalId)
        v.examCode("examCode", examCode)
        v.identifier("bookingId", bookingId)
        v.nonNegative("score", score)
        v.nonNegative("maxScore", maxScore)
        if let proctorRating { v.range("proctorRating", proctorRating, 1...5) }
    }
}

/// A seat in a paid session is held until `expiresAt`, waiting for the external payment
/// (`payment.completed` naming `bookingId`).
public struct PaymentRequested: EventPayload, Equatable {
    public static let type: EventType = "payment.requested"
    public var bookingId: String
    public var candidateExternalId: String
    /// Who pays: the candidate may have no purchase the payment system knows of yet.
    public var candidate: CandidateContact?
    public var examCode: String?
    public var session: SessionSnapshot?
    public var amount: Decimal
    public var currency: String
    public var expiresAt: Date

    public init(
        bookingId: String, candidateExternalId: String, candidate: CandidateContact? = nil, examCode: String? = nil, session: SessionSnapshot? = nil,
        amount: Decimal, currency: String, expiresAt: Date
    ) {
        self.bookingId = bookingId
        self.candidateExternalId = candidateExternalId
        self.candidate = candidate
        self.examCode = examCode
        self.session = session
        self.amount = amount
        self.currency = currency
        self.expiresAt = expiresAt
    }

    public func validate(into v: inout Validator) {
        v.identifier("bookingId", bookingId)
        v.identifier("candidateExternalId", candidateExternalId)
        v.nested("candidate", candidate)
        if let examCode { v.examCode("examCode", examCode) }
        v.nested("session", session)
        v.nonNegative("amount", amount)
        v.currency("currency", currency)
    }
}

/// A seat held for payment ended before any payment came (cancelled, expired, or its session
/// cancelled): the payment system should stop waiting for it.
public struct PaymentCancelled: EventPayload, Equatable {
    public static let type: EventType = "payment.cancelled"
    public var bookingId: String
    public var candidateExternalId: String
    public var amount: Decimal
    public var currency: String
    public var reason: String
    public var cancelledAt: Date

    public init(bookingId: String, candidateExternalId: String, amount: Decimal, currency: String, reason: String, cancelledAt: Date) {
        self.bookingId = bookingId
        self.candidateExternalId = candidateExternalId
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.cancelledAt = cancelledAt
    }

    public func validate(into v: inout Validator) {
        v.identifier("bookingId", bookingId)
        v.identifier("candidateExternalId", candidateExternalId)
        v.nonNegative("amount", amount)
        v.currency("currency", currency)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// A paid booking was cancelled after its payment: the payment system decides on the refund.
public struct PaymentRefundRequested: EventPayload, Equatable {
    public static let type: EventType = "payment.refund_requested"
    public var bookingId: String
    public var paymentId: String
    public var candidateExternalId: String
    public var amount: Decimal
    public var currency: String
    public var reason: String
    public var requestedAt: Date

    public init(bookingId: String, paymentId: String, candidateExternalId: String, amount: Decimal, currency: String, reason: String, requestedAt: Date) {
        self.bookingId = bookingId
        self.paymentId = paymentId
        self.candidateExternalId = candidateExternalId
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.requestedAt = requestedAt
    }

    public func validate(into v: inout Validator) {
        v.identifier("bookingId", bookingId)
        v.identifier("paymentId", paymentId)
        v.identifier("candidateExternalId", candidateExternalId)
        v.nonNegative("amount", amount)
        v.currency("currency", currency)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// The CSR's final decision on an attempt.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case positive, negative
}
