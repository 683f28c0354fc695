import ExamHallModels
import ExamHallServiceKit
import Foundation

// Attempts follow bookings: one per confirmed booking, moved with transfers, cancelled with the booking.
/// `booking.confirmed` → the attempt, connected to the authorization the booking was made with (if any).
struct CreateAttemptOnBookingConfirmed: EventHandler {
    func handle(_ event: CloudEvent<BookingConfirmed>, context: HandlerContext) throws {
        let booking = event.data.booking
        let attempt = Attempt(
            id: try HandlerRejection.uuid(booking.bookingId, field: "bookingId"), sessionId: booking.sessionId, candidateId: booking.candidateId, examCode: booking.examCode,
            authorizationId: booking.authorizationId, sessionStart: event.data.session.start, sessionEnd: event.data.session.end
        )
        if try AttemptStore(connection: context.connection).insert(attempt, contact: event.data.candidate, at: context.now) {
            try AttemptStore(connection: context.connection).audit(attempt.id, action: "booked", actor: event.data.actor.rawValue, detail: nil, at: context.now)
        }
    }
}
