import Foundation

// Events external systems publish on `examhall.inbound`.

/// A candidate paid for an exam: becomes one Open authorization per `purchaseId`.
public struct PurchaseCompleted: EventPayload, Equatable {
    public static let type: EventType = "purchase.completed"
    public var purchaseId: String
    public var candidate: CandidateProfile
    public var examCode: String
    public var validUntil: Date?

    public init(purchaseId: String, candidate: CandidateProfile, examCode: String, validUntil: Date? = nil) {
        self.purchaseId = purchaseId
        self.candidate = candidate
        self.examCode = examCode
        self.validUntil = validUntil
    }

    public func validate(into v: inout Validator) {
        v.identifier("purchaseId", purchaseId)
        v.nested("candidate", candidate)
        v.examCode("examCode", examCode)
    }
}

/// The purchase was refunded: its authorization becomes Inactive.
public struct PurchaseRefunded: EventPayload, Equatable {
    public static let type: EventType = "purchase.refunded"
    public var purchaseId: String
    public var reason: String

    public init(purchaseId: String, reason: String) {
        self.purchaseId = purchaseId
        self.reason = reason
    }

    public func validate(into v: inout Validator) {
        v.identifier("purchaseId", purchaseId)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// The candidate's contact data changed in the external system.
public struct CandidateUpdated: EventPayload, Equatable {
    public static let type: EventType = "candidate.updated"
    public var candidate: CandidateProfile

    public init(candidate: CandidateProfile) { self.candidate = candidate }

    public func validate(into v: inout Validator) { v.nested("candidate", candidate) }
}

/// A payment for a booking held in a paid session went through.
public struct PaymentCompleted: EventPayload, Equatable {
    public static let type: EventType = "payment.completed"
    public var paymentId: String
    public var bookingId: String
    public var amount: Decimal
    public var currency: String

    public init(paymentId: String, bookingId: String, amount: Decimal, currency: String) {
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.amount = amount
        self.currency = currency
    }

    public func validate(into v: inout Validator) {
        v.identifier("paymentId", paymentId)
        v.identifier("bookingId", bookingId)
        v.nonNegative("amount", amount)
        v.currency("currency", currency)
    }
}

/// The exam delivery engine started an attempt (inbound; sessions' internal twin is `AttemptStarted`).
public struct DeliveryAttemptStarted: EventPayload, Equatable {
    public static let type: EventType = "attempt.started"
    public var bookingId: String
    public var startedAt: Date

    public init(bookingId: String, startedAt: Date) {
        self.bookingId = bookingId
        self.startedAt = startedAt
    }

    public func validate(into v: inout Validator) { v.identifier("bookingId", bookingId) }
}

/// The exam delivery engine finished an attempt with the system's score.
public struct DeliveryAttemptFinished: EventPayload, Equatable {
    public static let type: EventType = "attempt.finished"
    public var bookingId: String
    public var finishedAt: Date
    public var score: Double
    public var maxScore: Double
    public var passed: Bool

    public init(bookingId: String, finishedAt: Date, score: Double, maxScore: Double, passed: Bool) {
        self.bookingId = bookingId
        self.finishedAt = finishedAt
        self.score = score
        self.maxScore = maxScore
        self.passed = passed
    }

    public func validate(into v: inout Validator) {
        v.identifier("bookingId", bookingId)
        v.nonNegative("score", score)
        v.nonNegative("maxScore", maxScore)
        if score > maxScore { v.fail("score", "must not exceed maxScore") }
    }
}
