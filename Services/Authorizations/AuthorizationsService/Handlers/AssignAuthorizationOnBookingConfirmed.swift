import ExamHallModels
import ExamHallServiceKit
import Foundation

// The authorizations side of the booking saga: sessions decides bookings from its projection and
// announces them; this service, the owner, assigns, releases or refuses.
/// `booking.confirmed` with an authorization → Assigned (`authorization.assigned`), or
/// `authorization.assignment_rejected` when it is no longer Open or not the candidate's for that exam.
struct AssignAuthorizationOnBookingConfirmed: EventHandler {
    func handle(_ event: CloudEvent<BookingConfirmed>, context: HandlerContext) throws {
        let booking = event.data.booking
        guard let authorizationId = booking.authorizationId else { return }
        let id = try HandlerRejection.uuid(authorizationId, field: "authorizationId")
        let store = AuthorizationStore(connection: context.connection)
        // A cancellation that overtook its confirmation already ended this booking.
        if try store.hasEnded(bookingId: booking.bookingId) { return }
        func reject(_ reason: String, status: AuthorizationStatus?) throws {
            try context.publish(AuthorizationAssignmentRejected(
                authorizationId: authorizationId, candidateId: booking.candidateId, examCode: booking.examCode,
                bookingId: booking.bookingId, sessionId: booking.sessionId, reason: reason, status: status
            ))
        }
        guard let authorization = try store.lock(id: id) else { return try reject("no such authorization", status: nil) }
        if authorization.status == .assigned, authorization.bookingId == booking.bookingId {
            return try store.setSessionStart(bookingId: booking.bookingId, event.data.session.start)
        }
        guard authorization.candidateId == booking.candidateId else {
            return try reject("the authorization belongs to another candidate", status: authorization.status)
        }
        guard authorization.examCode == booking.examCode else {
            return try reject("the authorization is for \(authorization.examCode), not \(booking.examCode)", status: authorization.status)
        }
        do {
            try RecordTransition(connection: context.connection, outbox: context.outbox, now: context.now).apply(
                .assign, to: authorization, reason: "booked in session \(booking.sessionId)", actor: event.data.actor.rawValue,
                messageId: event.id, assignment: (booking.bookingId, booking.sessionId)
            )
            try store.setSessionStart(bookingId: booking.bookingId, event.data.session.start)
        } catch let violation as AuthorizationRuleViolation {
            try reject(violation.description, status: authorization.status)
        }
    }
}
