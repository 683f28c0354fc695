import ExamHallModels
import Foundation

/// Who asks for a booking change. Staff (CSR, admin) may do what candidates may not.
public enum Requester: Sendable, Equatable {
    case candidate(id: String)
    case staff(actor: Actor)
    case system

    var isStaff: Bool {
        if case .candidate = self { return false }
        return true
    }

    public var actor: Actor {
        switch self {
        case .candidate: .candidate
        case let .staff(actor): actor
        case .system: .system
        }
    }
}

/// Every booking decision, as pure functions: the facts in, a decision or refusal out.
public enum BookingRules {
    /// What a booking request asks for.
    public struct Request: Sendable, Equatable {
        public var requester: Requester
        public var candidateId: String
        /// For a common private session without an authorization: which exam the candidate takes.
        public var examCode: String?
        /// An authorization the request names (how a CSR assigns one to a private session).
        public var authorization: ProjectedAuthorization?
        /// The request said `"authorizationId": null`: book without one where the session allows it,
        /// even though the candidate holds an Open one.
        public var declinesAuthorization: Bool
        public var joinWaitlistWhenFull: Bool

        public init(
            requester: Requester, candidateId: String, examCode: String? = nil, authorization: ProjectedAuthorization? = nil,
            declinesAuthorization: Bool = false, joinWaitlistWhenFull: Bool = false
        ) {
            self.requester = requester
            self.candidateId = candidateId
            self.examCode = examCode
            self.authorization = authorization
            self.declinesAuthorization = declinesAuthorization
            self.joinWaitlistWhenFull = joinWaitlistWhenFull
        }

        /// Whether the candidate's own Open authorization should be looked up and connected.
        public func connectsOwnAuthorization(in session: Session) -> Bool {
            authorization == nil && !declinesAuthorization && session.publicSettings != nil
        }
    }

    /// What the store knows about the candidate, looked up for the exam `examFor(_:_:)` resolved.
    public struct CandidateFacts: Sendable, Equatable {
        public var hasActiveBookingForExam: Bool
        public var isWaitlistedHere: Bool
        /// An Open authorization of theirs for the exam, when the request names none: one valid through
        /// the session's end if they hold any (the one expiring first), else the one valid longest.
        public var openAuthorization: ProjectedAuthorization?

        public init(hasActiveBookingForExam: Bool, isWaitlistedHere: Bool, openAuthorization: ProjectedAuthorization?) {
            self.hasActiveBookingForExam = hasActiveBookingForExam
            self.isWaitlistedHere = isWaitlistedHere
            self.openAuthorization = openAuthorization
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Confirmed now; the authorization (if any) is claimed with it.
        case confirm(authorization: ProjectedAuthorization?)
        /// The seat is held until `until`, waiting for `payment.completed`.
        case holdForPayment(until: Date, price: Money)
        case waitlist
    }

    /// The exam a request books: the named authorization's, the session's only exam, or (common private
    /// sessions) the one the request names.
    public static func examFor(_ request: Request, in session: Session) throws(BookingRefusal) -> String {
        let exam: String
        if let authorization = request.authorization {
            exam = authorization.examCode
        } else if session.privateKind == .common {
            guard let asked = request.examCode else { throw .examCodeRequired }
            exam = asked
        } else {
            exam = request.examCode ?? session.examCodes[0]
        }
        if session.privateKind != .common, !session.examCodes.contains(exam) {
            throw .examMismatch(examCode: exam, offered: session.examCodes)
        }
        return exam
    }

    public static func decide(
        _ request: Request, session: Session, exam: String, facts: CandidateFacts, now: Date, paymentWindow: TimeInterval
    ) throws(BookingRefusal) -> Decision {
        try requireOpenForBooking(session, requester: request.requester, now: now)
        if let authorization = request.authorization {
            guard authorization.candidateId == request.candidateId else { throw .authorizationOfAnotherCandidate }
            guard authorization.status == .open else { throw .authorizationNotOpen(status: authorization.status.rawValue) }
            try requireValid(authorization, for: session)
        }
        if facts.hasActiveBookingForExam { throw .alreadyBooked }

        var authorization = request.authorization
        if authorization == nil { authorization = try ownAuthorization(request, session: session, exam: exam, facts: facts) }
        if session.privateKind != nil, authorization == nil, !session.isFree { throw .sessionNotFree }

        if let settings = session.publicSettings, session.seatsTaken >= settings.capacity {
            guard request.joinWaitlistWhenFull else { throw .sessionFull }
            if facts.isWaitlistedHere { throw .alreadyWaitlisted }
            return .waitlist
        }
        if request.joinWaitlistWhenFull, session.publicSettings == nil { throw .waitlistNotOffered }
        if authorization == nil, let price = session.price {
            // Staff add candidates to free sessions only; a paid seat is bought by the candidate.
            guard case .candidate = request.requester else { throw .sessionNotFree }
            return .holdForPayment(until: now.addingTimeInterval(paymentWindow), price: price)
        }
        return .confirm(authorization: authorization)
    }

    /// The candidate's own Open authorization that a booking of a public session connects, whether or
    /// not the session requires one: that is how the attempt's result finds its way back to the
    /// purchase. Nil when they hold none valid through the session (or declined), and the session
    /// does not require one.
    static func ownAuthorization(_ request: Request, session: Session, exam: String, facts: CandidateFacts) throws(BookingRefusal) -> ProjectedAuthorization? {
        let required = session.publicSettings?.authorizationRequired == true
        let usable = request.connectsOwnAuthorization(in: session) || required ? facts.openAuthorization : nil
        if let usable, usable.isValid(through: session.end) { return usable }
        guard required else { return nil }
        if let usable { try requireValid(usable, for: session) }
        throw .authorizationRequired(examCode: exam)
    }

    /// An authorization must still be valid when the session it is used for ends.
    public static func requireValid(_ authorization: ProjectedAuthorization, for session: Session) throws(BookingRefusal) {
        if let validUntil = authorization.validUntil, validUntil < session.end {
            throw .authorizationExpiresBeforeSession(validUntil: validUntil, sessionEnd: session.end)
        }
    }

    /// A session takes bookings: scheduled, not started, private only through staff, and (for
    /// candidates) before the booking deadline. On exam day a CSR may still add a walk-in or transfer a
    /// candidate in after the start, until the session ends.
    public static func requireOpenForBooking(_ session: Session, requester: Requester, now: Date) throws(BookingRefusal) {
        guard session.status == .scheduled else { throw .sessionCancelled }
        if case .staff = requester {
            guard now < session.end else { throw .sessionEnded }
        } else {
            guard now < session.start else { throw .sessionStarted }
        }
        switch session.enrollment {
        case .privateSession:
            guard requester.isStaff else { throw .sessionPrivate }
        case let .selfEnrollment(settings):
            if !requester.isStaff, now >= settings.bookingDeadline { throw .bookingDeadlinePassed }
        }
    }

    /// Whether `requester` may cancel `booking` now. Leaving a waitlist is always possible.
    public static func cancellation(of booking: Booking, in session: Session, by requester: Requester, now: Date) throws(BookingRefusal) {
        try requireNotFinal(booking)
        guard booking.status.isActive else { throw .bookingNotActive(status: booking.status.rawValue) }
        guard !requester.isStaff, booking.status != .waitlisted else { return }
        guard let settings = session.publicSettings else { throw .cancellationByStaffOnly }
        if now >= settings.cancellationDeadline { throw .cancellationDeadlinePassed }
    }

    /// Whether `booking` may move from `source` to `target`. Candidates reschedule their own booking to a
    /// public session of the same exam before the source's cancellation deadline; staff transfer any
    /// confirmed booking to a session that offers its exam.
    public static func transfer(
        _ booking: Booking, from source: Session, to target: Session, by requester: Requester, authorization: ProjectedAuthorization? = nil,
        targetHasActiveBooking: Bool, now: Date
    ) throws(BookingRefusal) {
        try requireNotFinal(booking)
        guard booking.status == .confirmed else { throw .bookingNotConfirmed(status: booking.status.rawValue) }
        guard source.id != target.id else { throw .sameSession }
        if !requester.isStaff {
            // Leaving the current session is a cancellation: its deadline applies first.
            guard let settings = source.publicSettings else { throw .cancellationByStaffOnly }
            if now >= settings.cancellationDeadline { throw .cancellationDeadlinePassed }
        }
        try requireOpenForBooking(target, requester: requester, now: now)
        if target.privateKind != .common, !target.examCodes.contains(booking.examCode) {
            throw .examMismatch(examCode: booking.examCode, offered: target.examCodes)
        }
        if !requester.isStaff {
            if target.publicSettings?.authorizationRequired == true, booking.authorizationId == nil {
                throw .authorizationRequired(examCode: booking.examCode)
            }
            if booking.authorizationId == nil, target.price != source.price { throw .priceDiffers }
        }
        if let authorization { try requireValid(authorization, for: target) }
        if targetHasActiveBooking { throw .alreadyBooked }
        if let settings = target.publicSettings, target.seatsTaken >= settings.capacity { throw .sessionFull }
    }

    /// A completed or no-show booking is history: nothing moves or cancels it.
    public static func requireNotFinal(_ booking: Booking) throws(BookingRefusal) {
        switch booking.status {
        case .completed: throw .bookingCompleted
        case .noShow: throw .bookingNoShow
        default: return
        }
    }

    /// What happens to the first person on a waitlist when a seat is free.
    public enum Promotion: Sendable, Equatable {
        case confirm(authorization: ProjectedAuthorization?)
        case holdForPayment(until: Date, price: Money)
        /// This entry is no longer eligible: it leaves the waitlist, and the next one is tried.
        case skip(BookingRefusal)
        /// Nobody can be promoted now (no seat, or past the booking deadline).
        case stop
    }

    public static func promotion(
        of entry: Booking, in session: Session, facts: CandidateFacts, now: Date, paymentWindow: TimeInterval
    ) -> Promotion {
        guard session.status == .scheduled, let settings = session.publicSettings, now < settings.bookingDeadline,
              session.seatsTaken < settings.capacity else { return .stop }
        if facts.hasActiveBookingForExam { return .skip(.alreadyBooked) }
        let request = Request(requester: .system, candidateId: entry.candidateId)
        let authorization: ProjectedAuthorization?
        do {
            authorization = try ownAuthorization(request, session: session, exam: entry.examCode, facts: facts)
        } catch {
            return .skip(error)
        }
        if let authorization { return .confirm(authorization: authorization) }
        if let price = session.price { return .holdForPayment(until: now.addingTimeInterval(paymentWindow), price: price) }
        return .confirm(authorization: nil)
    }
}
