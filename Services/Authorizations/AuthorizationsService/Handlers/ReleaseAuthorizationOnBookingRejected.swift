import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `booking.rejected` → remembered, so a late confirmation of the same booking changes nothing.
struct ReleaseAuthorizationOnBookingRejected: EventHandler {
    func handle(_ event: CloudEvent<BookingRejected>, context: HandlerContext) throws {
        try release(event.data.booking, .cancelled(attemptStarted: false), reason: "booking rejected: \(event.data.reason)", actor: "system", event.id, context)
    }
}
