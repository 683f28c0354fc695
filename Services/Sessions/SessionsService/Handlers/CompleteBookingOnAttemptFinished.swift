import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.finished` → the booking is `completed`: final, and the candidate may book the exam again.
struct CompleteBookingOnAttemptFinished: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<AttemptFinished>, context: HandlerContext) throws {
        let bookingId = try HandlerRejection.uuid(event.data.bookingId, field: "bookingId")
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        _ = try workflow.complete(bookingId: bookingId, finishedAt: event.data.finishedAt)
    }
}
