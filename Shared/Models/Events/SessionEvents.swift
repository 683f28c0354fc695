import Foundation

// Internal events owned by the sessions service: sessions, bookings and proctors.

/// What a consumer needs to know about a session to tell a candidate about it.
public struct SessionSnapshot: Codable, Sendable, Equatable, Validatable {
    public var sessionId: String
    public var name: String
    public var examCodes: [String]
    public var locationId: String
    public var locationName: String
    public var address: String
    public var timeZone: String
    public var room: String?
    public var deliveryPreference: String
    public var start: Date
    public var end: Date
    public var instructions: String?
    public var additionalInstructions: String?

    public init(
        sessionId: String, name: String, examCodes: [String], locationId: String, locationName: String, address: String,
        timeZone: String, room: String?, deliveryPreference: String, start: Date, end: Date,
        instructions: String?, additionalInstructions: String?
    ) {
        self.sessionId = sessionId
        self.name = name
        self.examCodes = examCodes
        self.locationId = locationId
        self.locationName = locationName
        self.address = address
        self.timeZone = timeZone
        self.room = room
        self.deliveryPreference = deliveryPreference
        self.start = start
        self.end = end
        self.instructions = instructions
        self.additionalInstructions = additionalInstructions
    }

    public func validate(into v: inout Validator) {
        v.identifier("sessionId", sessionId)
        v.text("name", name)
        if examCodes.isEmpty { v.fail("examCodes", "must name at least one exam") }
        for (index, code) in examCodes.enumerated() { v.examCode("examCodes[\(index)]", code) }
        v.identifier("locationId", locationId)
        v.timeZone("timeZone", timeZone)
        v.ordered("start", start, before: "end", end)
    }
}

public struct SessionScheduled: EventPayload, Equatable {
    public static let type: EventType = "session.scheduled"
    public var session: SessionSnapshot
    public var sessionId: String { session.sessionId }
    public init(session: SessionSnapshot) { self.session = session }
    public func validate(into v: inout Validator) { v.nested("session", session) }
}

/// What about a session changed, as `session.updated` lists it.
public enum SessionField: String, Codable, Sendable, CaseIterable {
    case name, location, room, instructions, additionalInstructions, deliveryPreference, availability, enrollment, price, candidatesPerProctor
}

/// A session changed; `previousStart`/`previousEnd` are set when its time moved.
public struct SessionUpdated: EventPayload, Equatable {
    public static let type: EventType = "session.updated"
    public var session: SessionSnapshot
    public var previousStart: Date?
    public var previousEnd: Date?
    public var changedFields: [SessionField]
    public init(session: SessionSnapshot, previousStart: Date?, previousEnd: Date?, changedFields: [SessionField]) {
        self.session = session
        self.previousStart = previousStart
        self.previousEnd = previousEnd
        self.changedFields = changedFields
    }
    public func validate(into v: inout Validator) { v.nested("session", session) }
}

public struct SessionCancelled: EventPayload, Equatable {
    public static let type: EventType = "session.cancelled"
    public var sessionId: String
    public var reason: String?
    public var cancelledAt: Date
    public init(sessionId: String, reason: String?, cancelledAt: Date) {
        self.sessionId = sessionId
        self.reason = reason
        self.cancelledAt = cancelledAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("sessionId", sessionId)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// Who acted on a booking.
public enum Actor: String, Codable, Sendable, CaseIterable {
    case candidate, csr, admin, system
}

/// The fields every booking event names.
public struct BookingRef: Codable, Sendable, Equatable, Validatable {
    public var bookingId: String
    public var sessionId: String
    public var candidateId: String
    public var examCode: String
    public var authorizationId: String?
    public init(bookingId: String, sessionId: String, candidateId: String, examCode: String, authorizationId: String?) {
        self.bookingId = bookingId
        self.sessionId = sessionId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
    }
    public func validate(into v: inout Validator) {
        v.identifier("bookingId", bookingId)
        v.identifier("sessionId", sessionId)
        v.identifier("candidateId", candidateId)
        v.examCode("examCode", examCode)
        v.identifier("authorizationId", authorizationId)
    }
}

public struct BookingConfirmed: EventPayload, Equatable {
    public static let type: EventType = "booking.confirmed"
    public var booking: BookingRef
    public var session: SessionSnapshot
    public var candidate: CandidateContact
    public var confirmedAt: Date
    public var actor: Actor
    public var fromWaitlist: Bool
    public init(booking: BookingRef, session: SessionSnapshot, candidate: CandidateContact, confirmedAt: Date, actor: Actor, fromWaitlist: Bool) {
        self.booking = booking
        self.session = session
        self.candidate = candidate
        self.confirmedAt = confirmedAt
        self.actor = actor
        self.fromWaitlist = fromWaitlist
    }
    public func validate(into v: inout Validator) {
        v.nested("booking", booking)
        v.nested("session", session)
        v.nested("candidate", candidate)
    }
}

public struct BookingCancelled: EventPayload, Equatable {
    public static let type: EventType = "booking.cancelled"
    public var booking: BookingRef
    public var session: SessionSnapshot?
    public var candidate: CandidateContact?
    public var reason: String
    public var actor: Actor
    public var cancelledAt: Date
    /// True when the booking's attempt had started: its authorization is used and stays so.
    public var attemptStarted: Bool?
    public init(
        booking: BookingRef, session: SessionSnapshot?, candidate: CandidateContact?, reason: String, actor: Actor, cancelledAt: Date,
        attemptStarted: Bool? = nil
    ) {
        self.booking = booking
        self.session = session
        self.candidate = candidate
        self.reason = reason
        self.actor = actor
        self.cancelledAt = cancelledAt
        self.attemptStarted = attemptStarted
    }
    public func validate(into v: inout Validator) {
        v.nested("booking", booking)
        v.nested("session", session)
        v.nested("candidate", candidate)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// The booking moved to another session; the seat moved with it and the authorization stays connected.
public struct BookingTransferred: EventPayload, Equatable {
    public static let type: EventType = "booking.transferred"
    public var booking: BookingRef
    public var fromSessionId: String
    public var session: SessionSnapshot
    public var candidate: CandidateContact
    public var actor: Actor
    public var transferredAt: Date
    public init(booking: BookingRef, fromSessionId: String, session: SessionSnapshot, candidate: CandidateContact, actor: Actor, transferredAt: Date) {
        self.booking = booking
        self.fromSessionId = fromSessionId
        self.session = session
        self.candidate = candidate
        self.actor = actor
        self.transferredAt = transferredAt
    }
    public func validate(into v: inout Validator) {
        v.nested("booking", booking)
        v.identifier("fromSessionId", fromSessionId)
        v.nested("session", session)
        v.nested("candidate", candidate)
    }
}

/// A booking that could not stand (e.g. the authorization was no longer Open).
public struct BookingRejected: EventPayload, Equatable {
    public static let type: EventType = "booking.rejected"
    public var booking: BookingRef
    public var candidate: CandidateContact?
    public var reason: String
    public var rejectedAt: Date
    public init(booking: BookingRef, candidate: CandidateContact?, reason: String, rejectedAt: Date) {
        self.booking = booking
        self.candidate = candidate
        self.reason = reason
        self.rejectedAt = rejectedAt
    }
    public func validate(into v: inout Validator) {
        v.nested("booking", booking)
        v.nested("candidate", candidate)
        v.text("reason", reason, maxLength: 1000)
    }
}

/// The session was full and the candidate joined its waiting list (no seat, no authorization used).
public struct BookingWaitlisted: EventPayload, Equatable {
    public static let type: EventType = "booking.waitlisted"
    public var booking: BookingRef
    public var session: SessionSnapshot
    public var candidate: CandidateContact
    public var waitlistedAt: Date
    public init(booking: BookingRef, session: SessionSnapshot, candidate: CandidateContact, waitlistedAt: Date) {
        self.booking = booking
        self.session = session
        self.candidate = candidate
        self.waitlistedAt = waitlistedAt
    }
    public func validate(into v: inout Validator) {
        v.nested("booking", booking)
        v.nested("session", session)
        v.nested("candidate", candidate)
    }
}

/// A seat held for payment was released because no payment came in time.
public struct BookingExpired: EventPayload, Equatable {
    public static let type: EventType = "booking.expired"
    public var booking: BookingRef
    public var candidate: CandidateContact?
    public var expiredAt: Date
    public init(booking: BookingRef, candidate: CandidateContact?, expiredAt: Date) {
        self.booking = booking
        self.candidate = candidate
        self.expiredAt = expiredAt
    }
    public func validate(into v: inout Validator) {
        v.nested("booking", booking)
        v.nested("candidate", candidate)
    }
}

/// The booking's attempt finished: the booking is over, for good, and the exam may be booked again.
public struct BookingCompleted: EventPayload, Equatable {
    public static let type: EventType = "booking.completed"
    public var booking: BookingRef
    public var finishedAt: Date
    public var completedAt: Date
    public init(booking: BookingRef, finishedAt: Date, completedAt: Date) {
        self.booking = booking
        self.finishedAt = finishedAt
        self.completedAt = completedAt
    }
    public func validate(into v: inout Validator) { v.nested("booking", booking) }
}

/// The candidate never started the booking's attempt. The exam's `noShowPolicy` says whether its
/// authorization is forfeited (stays Assigned) or released (Open again).
public struct BookingNoShow: EventPayload, Equatable {
    public static let type: EventType = "booking.no_show"
    public var booking: BookingRef
    public var noShowPolicy: NoShowPolicy
    public var markedAt: Date
    public init(booking: BookingRef, noShowPolicy: NoShowPolicy, markedAt: Date) {
        self.booking = booking
        self.noShowPolicy = noShowPolicy
        self.markedAt = markedAt
    }
    public func validate(into v: inout Validator) { v.nested("booking", booking) }
}

public struct ProctorAssigned: EventPayload, Equatable {
    public static let type: EventType = "proctor.assigned"
    public var sessionId: String
    public var proctorId: String
    public var proctorName: String?
    public var start: Date
    public var end: Date
    public init(sessionId: String, proctorId: String, proctorName: String?, start: Date, end: Date) {
        self.sessionId = sessionId
        self.proctorId = proctorId
        self.proctorName = proctorName
        self.start = start
        self.end = end
    }
    public func validate(into v: inout Validator) {
        v.identifier("sessionId", sessionId)
        v.identifier("proctorId", proctorId)
        v.ordered("start", start, before: "end", end)
    }
}

public struct ProctorUnassigned: EventPayload, Equatable {
    public static let type: EventType = "proctor.unassigned"
    public var sessionId: String
    public var proctorId: String
    public init(sessionId: String, proctorId: String) {
        self.sessionId = sessionId
        self.proctorId = proctorId
    }
    public func validate(into v: inout Validator) {
        v.identifier("sessionId", sessionId)
        v.identifier("proctorId", proctorId)
    }
}
