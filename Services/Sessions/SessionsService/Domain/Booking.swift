import ExamHallModels
import Foundation

public enum BookingStatus: String, Sendable, Equatable, Codable, CaseIterable {
    case confirmed
    case awaitingPayment = "awaiting-payment"
    case waitlisted
    case cancelled, expired, rejected
    /// The attempt finished: final, and the exam may be booked again.
    case completed
    /// The attempt was never started: final, and the exam may be booked again.
    case noShow = "no-show"

    /// Holds a seat.
    public var holdsSeat: Bool { self == .confirmed || self == .awaitingPayment }
    /// Still going on: holds a seat or a waitlist place.
    public var isActive: Bool { holdsSeat || self == .waitlisted }
}

/// A candidate's place in a session: a seat (confirmed or held for payment) or a waitlist place.
public struct Booking: Sendable, Equatable {
    public var id: UUID
    public var sessionId: UUID
    public var candidateId: String
    public var examCode: String
    public var authorizationId: UUID?
    public var status: BookingStatus
    public var waitlistPosition: Int64?
    public var paymentExpiresAt: Date?
    public var paymentId: String?
    public var endReason: String?
    /// When its attempt started: from then on its authorization is used, whatever becomes of the booking.
    public var attemptStartedAt: Date?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    public var ref: BookingRef {
        BookingRef(
            bookingId: id.uuidString.lowercased(), sessionId: sessionId.uuidString.lowercased(), candidateId: candidateId,
            examCode: examCode, authorizationId: authorizationId?.uuidString.lowercased()
        )
    }
}

/// The sessions service's view of an authorization (projected from `authorization.*` events, claimed locally).
public struct ProjectedAuthorization: Sendable, Equatable {
    public var id: UUID
    public var purchaseId: String
    public var candidateId: String
    public var examCode: String
    public var status: AuthorizationStatus
    public var bookingId: UUID?
    /// Nil: valid until used.
    public var validUntil: Date?

    /// Whether it can still be used for a session that ends at `end`.
    public func isValid(through end: Date) -> Bool {
        validUntil.map { $0 >= end } ?? true
    }
}
