import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.voided` → the booking is cancelled, even a completed one: the attempt does not count.
struct CancelBookingOnAttemptVoided: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<AttemptVoided>, context: HandlerContext) throws {
        let bookingId = try HandlerRejection.uuid(event.data.bookingId, field: "bookingId")
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        _ = try workflow.cancelForVoidedAttempt(bookingId: bookingId, reason: event.data.reason, actor: event.data.actor)
    }
}
