import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `booking.cancelled` → the authorization its booking held is Open again (`authorization.released`).
struct ReleaseAuthorizationOnBookingCancelled: EventHandler {
    func handle(_ event: CloudEvent<BookingCancelled>, context: HandlerContext) throws {
        try release(
            event.data.booking, .cancelled(attemptStarted: event.data.attemptStarted ?? false), reason: "booking cancelled: \(event.data.reason)",
            actor: event.data.actor.rawValue, event.id, context
        )
    }
}
