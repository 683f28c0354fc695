import ExamHallModels
import Foundation

/// Why a booking, cancellation, transfer or staffing change is refused. Each case is a stable problem
/// `type` over HTTP; `isConflict` tells 409 (the state forbids it) from 422 (the request is wrong).
public enum BookingRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case sessionCancelled
    case sessionStarted
    case sessionEnded
    case sessionPrivate
    case bookingDeadlinePassed
    case cancellationDeadlinePassed
    case cancellationByStaffOnly
    case sessionFull
    case alreadyBooked
    case alreadyWaitlisted
    case authorizationRequired(examCode: String)
    case authorizationUnknown(authorizationId: String)
    case authorizationNotOpen(status: String)
    case authorizationOfAnotherCandidate
    case examMismatch(examCode: String, offered: [String])
    case examCodeRequired
    case sessionNotFree
    case waitlistNotOffered
    case bookingNotActive(status: String)
    case bookingCompleted
    case bookingNoShow
    case authorizationExpiresBeforeSession(validUntil: Date, sessionEnd: Date)
    case bookingNotConfirmed(status: String)
    case sameSession
    case priceDiffers
    case candidateContactUnknown(candidateId: String)
    case capacityBelowBookings(seatsTaken: Int)
    case sessionHasBookings(field: String)
    case proctorOverlap(sessionId: String, sessionName: String)
    case proctorInactive
    case locationInactive
    case examInactive(examCode: String)

    public var problemType: String {
        switch self {
        case .sessionCancelled: "session-cancelled"
        case .sessionStarted: "session-started"
        case .sessionEnded: "session-ended"
        case .sessionPrivate: "session-private"
        case .bookingDeadlinePassed: "booking-deadline-passed"
        case .cancellationDeadlinePassed: "cancellation-deadline-passed"
        case .cancellationByStaffOnly: "cancellation-by-staff-only"
        case .sessionFull: "session-full"
        case .alreadyBooked: "already-booked"
        case .alreadyWaitlisted: "already-waitlisted"
        case .authorizationRequired: "authorization-required"
        case .authorizationUnknown: "authorization-unknown"
        case .authorizationNotOpen: "authorization-not-open"
        case .authorizationOfAnotherCandidate: "authorization-of-another-candidate"
        case .examMismatch: "exam-mismatch"
        case .examCodeRequired: "exam-code-required"
        case .sessionNotFree: "session-not-free"
        case .waitlistNotOffered: "waitlist-not-offered"
        case .bookingNotActive: "booking-not-active"
        case .bookingCompleted: "booking-completed"
        case .bookingNoShow: "booking-no-show"
        case .authorizationExpiresBeforeSession: "authorization-expires-before-session"
        case .bookingNotConfirmed: "booking-not-confirmed"
        case .sameSession: "same-session"
        case .priceDiffers: "price-differs"
        case .candidateContactUnknown: "candidate-contact-unknown"
        case .capacityBelowBookings: "capacity-below-bookings"
        case .sessionHasBookings: "session-has-bookings"
        case .proctorOverlap: "proctor-overlap"
        case .proctorInactive: "proctor-inactive"
        case .locationInactive: "location-inactive"
        case .examInactive: "exam-inactive"
        }
    }

    /// 422 for a request that could never work as written; 409 for one the current state refuses.
    public var isConflict: Bool {
        switch self {
        case .examCodeRequired, .sameSession, .waitlistNotOffered, .authorizationExpiresBeforeSession: false
        default: true
        }
    }

    /// Seconds after which the same request may succeed by itself. A booking sent right after its
    /// purchase can arrive before the purchase's `authorization.opened` (the candidate's contact data and
    /// authorization) reaches this service, which takes some milliseconds.
    public var retryAfter: Int? {
        switch self {
        case .authorizationRequired, .authorizationUnknown, .candidateContactUnknown: 1
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .sessionCancelled: "the session is cancelled"
        case .sessionStarted: "the session has already started"
        case .sessionEnded: "the session has ended"
        case .sessionPrivate: "the session is private: only a CSR can add candidates to it"
        case .bookingDeadlinePassed: "the booking deadline of the session has passed"
        case .cancellationDeadlinePassed: "the cancellation deadline has passed; only a CSR can cancel now"
        case .cancellationByStaffOnly: "bookings in a private session are cancelled by a CSR"
        case .sessionFull: "no seat is left in the session; ask for the waitlist with {\"waitlist\":true}"
        case .alreadyBooked: "the candidate already has an active booking for this exam"
        case .alreadyWaitlisted: "the candidate is already on this session's waitlist"
        case let .authorizationRequired(examCode):
            "the session requires an Open authorization for \(examCode), and the candidate holds none (yet: a purchase sent a moment ago may still be on its way)"
        case let .authorizationUnknown(authorizationId):
            "authorization \(authorizationId) is not known here (yet: a purchase sent a moment ago may still be on its way)"
        case let .authorizationNotOpen(status): "the authorization is \(status), not open"
        case .authorizationOfAnotherCandidate: "the authorization belongs to another candidate"
        case let .examMismatch(examCode, offered): "the session offers \(offered.joined(separator: ", ")), not \(examCode)"
        case .examCodeRequired: "a common private session needs examCode (or an authorizationId) to know which exam the candidate takes"
        case .sessionNotFree: "the session is paid: add the candidate with an authorizationId, or let them book and pay"
        case .waitlistNotOffered: "only public sessions have a waitlist"
        case let .bookingNotActive(status): "the booking is \(status)"
        case .bookingCompleted: "the booking's attempt is finished: the booking is final"
        case .bookingNoShow: "the candidate did not attend: the booking is final"
        case let .authorizationExpiresBeforeSession(validUntil, sessionEnd):
            "the authorization is valid until \(Timestamp.format(validUntil)), before the session ends at \(Timestamp.format(sessionEnd))"
        case let .bookingNotConfirmed(status): "only confirmed bookings move; this one is \(status)"
        case .sameSession: "the booking is already in that session"
        case .priceDiffers: "the other session has a different price; cancel and book it instead"
        case let .candidateContactUnknown(candidateId):
            "no contact data is known for candidate \(candidateId) (yet: a purchase sent a moment ago may still be on its way); otherwise send name, email, language and timeZone"
        case let .capacityBelowBookings(seatsTaken): "\(seatsTaken) seats are taken; capacity cannot go below that"
        case let .sessionHasBookings(field): "\(field) cannot change once candidates are booked; cancel the session and create another"
        case let .proctorOverlap(sessionId, sessionName): "the proctor is already assigned to the overlapping session '\(sessionName)' (\(sessionId))"
        case .proctorInactive: "the proctor is deactivated; reactivate them first"
        case .locationInactive: "the location is deactivated: no new session is placed there; reactivate it first"
        case let .examInactive(examCode): "\(examCode) is deactivated: no new session offers it; reactivate it first"
        }
    }
}
