import ExamHallModels
import ExamHallServiceKit
import Foundation

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
