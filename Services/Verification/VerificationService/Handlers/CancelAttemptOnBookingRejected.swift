import ExamHallModels
import ExamHallServiceKit
import Foundation

struct CancelAttemptOnBookingRejected: EventHandler {
    func handle(_ event: CloudEvent<BookingRejected>, context: HandlerContext) throws {
        try cancelAttempt(bookingId: event.data.booking.bookingId, reason: event.data.reason, context: context)
    }
}
