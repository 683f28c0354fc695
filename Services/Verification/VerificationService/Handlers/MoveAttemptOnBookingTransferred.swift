import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `booking.transferred` → the attempt keeps its id and follows the booking to the new session.
struct MoveAttemptOnBookingTransferred: EventHandler {
    func handle(_ event: CloudEvent<BookingTransferred>, context: HandlerContext) throws {
        let store = AttemptStore(connection: context.connection)
        guard var attempt = try store.lock(try HandlerRejection.uuid(event.data.booking.bookingId, field: "bookingId")), attempt.status == .booked else { return }
        attempt.sessionId = event.data.session.sessionId
        attempt.sessionStart = event.data.session.start
        attempt.sessionEnd = event.data.session.end
        try store.update(attempt, at: context.now)
        try store.audit(attempt.id, action: "transferred", actor: event.data.actor.rawValue, detail: "from session \(event.data.fromSessionId)", at: context.now)
    }
}
