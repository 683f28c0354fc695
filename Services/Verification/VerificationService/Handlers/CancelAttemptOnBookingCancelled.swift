import ExamHallModels
import ExamHallServiceKit
import Foundation

struct CancelAttemptOnBookingCancelled: EventHandler {
    func handle(_ event: CloudEvent<BookingCancelled>, context: HandlerContext) throws {
        try cancelAttempt(bookingId: event.data.booking.bookingId, reason: event.data.reason, context: context)
    }
}
