import ExamHallModels
import ExamHallServiceKit
import Foundation

// Attempts follow bookings: one per confirmed booking, moved with transfers, cancelled with the booking.

/// `booking.confirmed` → the attempt, connected to the authorization the booking was made with (if any).
struct CreateAttemptOnBookingConfirmed: EventHandler {
    func handle(_ event: CloudEvent<BookingConfirmed>, context: HandlerContext) throws {
        let booking = event.data.booking
        let attempt = Attempt(
            id: try HandlerRejection.uuid(booking.bookingId, field: "bookingId"), sessionId: booking.sessionId, candidateId: booking.candidateId, examCode: booking.examCode,
            authorizationId: booking.authorizationId, sessionStart: event.data.session.start, sessionEnd: event.data.session.end
        )
        if try AttemptStore(connection: context.connection).insert(attempt, contact: event.data.candidate, at: context.now) {
            try AttemptStore(connection: context.connection).audit(attempt.id, action: "booked", actor: event.data.actor.rawValue, detail: nil, at: context.now)
        }
    }
}

/// The booking ended before the attempt started: the attempt is cancelled. One that started stays as it is.
func cancelAttempt(bookingId: String, reason: String, context: HandlerContext) throws {
    let store = AttemptStore(connection: context.connection)
    guard var attempt = try store.lock(try HandlerRejection.uuid(bookingId, field: "bookingId")), attempt.status == .booked else { return }
    attempt.status = .cancelled
    try store.update(attempt, at: context.now)
    try store.audit(attempt.id, action: "cancelled", actor: "system", detail: reason, at: context.now)
}

struct CancelAttemptOnBookingCancelled: EventHandler {
    func handle(_ event: CloudEvent<BookingCancelled>, context: HandlerContext) throws {
        try cancelAttempt(bookingId: event.data.booking.bookingId, reason: event.data.reason, context: context)
    }
}

struct CancelAttemptOnBookingRejected: EventHandler {
    func handle(_ event: CloudEvent<BookingRejected>, context: HandlerContext) throws {
        try cancelAttempt(bookingId: event.data.booking.bookingId, reason: event.data.reason, context: context)
    }
}

/// `booking.transferred` → the attempt keeps its id and follows the booking to the new session.
struct MoveAttemptOnBookingTransferred: EventHandler {
    func handle(_ event: CloudEvent<BookingTransferred>, context: HandlerContext) throws {
        let store = AttemptStore(connection: context.connection)
        guard var attempt = try store.lock(try HandlerRejection.uuid(event.data.booking.bookingId, field: "bookingId")), attempt.status == .booked else { return }
        attempt.sessionId = event.data.session.sessionId
        attempt.sessionStart = event.data.session.start
        attempt.sessionEnd = event.data.session.end
        try store.update(attempt, at: context.now)
        try store.audit(attempt.id, action: "transferred", actor: event.data.actor.rawValue, detail: "from session \(event.data.fromSessionId)", at: context.now)
    }
}

/// `session.updated` → attempts not started yet follow the session's new time (for no-show detection).
struct FollowSessionOnSessionUpdated: EventHandler {
    func handle(_ event: CloudEvent<SessionUpdated>, context: HandlerContext) throws {
        guard event.data.previousStart != nil || event.data.previousEnd != nil else { return }
        let session = event.data.session
        try AttemptStore(connection: context.connection).moveSession(session.sessionId, start: session.start, end: session.end, at: context.now)
    }
}

/// `proctor.assigned|unassigned` → who may report on a session's attempts.
struct RecordProctorOnProctorAssigned: EventHandler {
    func handle(_ event: CloudEvent<ProctorAssigned>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).assignProctor(event.data.proctorId, to: event.data.sessionId)
    }
}

struct RecordProctorOnProctorUnassigned: EventHandler {
    func handle(_ event: CloudEvent<ProctorUnassigned>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).unassignProctor(event.data.proctorId, from: event.data.sessionId)
    }
}

/// `authorization.opened` → the purchase a result goes back to.
struct RecordPurchaseOnAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).recordAuthorization(event.data.authorizationId, purchaseId: event.data.purchaseId)
    }
}
