import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.no_show` → the booking is `no-show`: final; the exam's no-show policy says what becomes of
/// its authorization (`booking.no_show` tells the authorizations service).
struct MarkNoShowOnAttemptNoShow: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<AttemptNoShow>, context: HandlerContext) throws {
        let bookingId = try HandlerRejection.uuid(event.data.bookingId, field: "bookingId")
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        _ = try workflow.markNoShow(bookingId: bookingId)
    }
}
