import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `booking.transferred` → the authorization stays connected, now to the booking's new session.
struct FollowBookingOnBookingTransferred: EventHandler {
    func handle(_ event: CloudEvent<BookingTransferred>, context: HandlerContext) throws {
        let booking = event.data.booking
        guard let authorizationId = booking.authorizationId, let id = UUID(uuidString: authorizationId) else { return }
        let store = AuthorizationStore(connection: context.connection)
        try store.moveAssignment(id: id, bookingId: booking.bookingId, toSession: booking.sessionId, at: context.now)
        try store.setSessionStart(bookingId: booking.bookingId, event.data.session.start)
    }
}
