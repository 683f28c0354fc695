import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `session.cancelled` → nothing more to send (each booking's own `booking.cancelled` carries the
/// "session cancelled" email); the projection forgets its bookings and their reminders.
struct ForgetRemindersOnSessionCancelled: EventHandler {
    func handle(_ event: CloudEvent<SessionCancelled>, context: HandlerContext) throws {
        let projections = ProjectionStore(connection: context.connection)
        let reminders = ReminderStore(connection: context.connection)
        for booking in try projections.activeBookings(inSession: event.data.sessionId) {
            try reminders.drop(booking.bookingId)
        }
    }
}
