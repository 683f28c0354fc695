import ExamHallModels
import ExamHallServiceKit
import Foundation

// The local projection of the authorizations service's events, which bookings are decided from.

/// `authorization.opened` → an Open authorization candidates can book with, and the candidate's contact.
struct ProjectAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        _ = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        let store = BookingStore(connection: context.connection)
        try store.recordAuthorization(event.data.ref, status: .open, validUntil: event.data.validUntil, at: context.now)
        try store.saveCandidate(event.data.candidateId, CandidateContact(event.data.candidate), replace: false, at: context.now)
    }
}

/// `authorization.assigned` → the owner confirmed a booking's claim; the claim was already recorded
/// locally, so only an authorization never seen before is added.
struct ProjectAuthorizationAssigned: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationAssigned>, context: HandlerContext) throws {
        _ = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        try BookingStore(connection: context.connection).recordAuthorization(event.data.ref, status: .assigned, at: context.now)
    }
}

/// `authorization.released` → Open again, unless a newer booking of ours holds it already.
struct ProjectAuthorizationReleased: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationReleased>, context: HandlerContext) throws {
        let id = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        let store = BookingStore(connection: context.connection)
        try store.recordAuthorization(event.data.ref, status: .open, at: context.now)
        if let bookingId = UUID(uuidString: event.data.bookingId), try store.activeBooking(authorizationId: id) == nil {
            try store.release(authorizationId: id, from: bookingId, at: context.now)
        }
    }
}

/// `authorization.inactivated` (refund, expiry, deactivation) → never bookable again, and a booking
/// that holds it is cancelled and its seat freed.
struct CancelBookingOnAuthorizationInactivated: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<AuthorizationInactivated>, context: HandlerContext) throws {
        let id = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        try workflow.bookings.recordAuthorization(event.data.ref, status: .inactive, at: context.now)
        guard let active = try workflow.bookings.activeBooking(authorizationId: id) else {
            try workflow.bookings.markInactive(authorizationId: id, at: context.now)
            return
        }
        // Session, then booking, then the authorization row: the same lock order as booking.
        let (session, booking) = try workflow.lockBooking(active.id)
        try workflow.bookings.markInactive(authorizationId: id, at: context.now)
        guard booking.status.holdsSeat, booking.authorizationId == id else { return }
        try workflow.end(booking, in: session, as: .cancelled, reason: "authorization \(event.data.reason.rawValue)", actor: .system)
    }
}

/// `authorization.assignment_rejected` → the owner refused the claim (the authorization was no longer
/// Open): the booking is rejected, its seat freed and the candidate told.
struct RejectBookingOnAssignmentRejected: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<AuthorizationAssignmentRejected>, context: HandlerContext) throws {
        let authorizationId = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        let bookingId = try HandlerRejection.uuid(event.data.bookingId, field: "bookingId")
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        guard try workflow.bookings.find(bookingId) != nil else { return }
        let (session, booking) = try workflow.lockBooking(bookingId)
        guard booking.status.holdsSeat, booking.authorizationId == authorizationId else { return }
        try workflow.end(booking, in: session, as: .rejected, reason: "authorization rejected: \(event.data.reason)", actor: .system)
        try workflow.bookings.setStatus(authorizationId: authorizationId, event.data.status ?? .inactive, at: context.now)
    }
}
