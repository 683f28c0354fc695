import ExamHallModels
import ExamHallServiceKit
import Foundation

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
