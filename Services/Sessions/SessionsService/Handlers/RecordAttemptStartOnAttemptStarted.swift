import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.started` → the booking's authorization is used from now on: a later cancellation of the
/// booking no longer gives it back.
struct RecordAttemptStartOnAttemptStarted: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<AttemptStarted>, context: HandlerContext) throws {
        let bookingId = try bookingUUID(event.data.bookingId)
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        _ = try workflow.recordAttemptStart(bookingId: bookingId, at: event.data.startedAt)
    }
}
