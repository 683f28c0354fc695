import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `booking.rejected` (the authorization could not be assigned) → the candidate learns the seat is gone.
struct NotifyOnBookingRejected: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<BookingRejected>, context: HandlerContext) throws {
        let data = event.data
        let projections = ProjectionStore(connection: context.connection)
        try projections.saveBooking(.init(data.booking, active: false), at: context.now)
        try ReminderStore(connection: context.connection).drop(data.booking.bookingId)
        let contact = data.candidate.map { Contact(candidateId: data.booking.candidateId, $0) }
        if let contact { try projections.saveContact(contact, at: context.now) }
        try context.notifier(settings).notify(.init(
            kind: .bookingRejected, occurrence: .booking(data.booking.bookingId), triggerEventId: event.id, candidateId: data.booking.candidateId, contact: contact,
            bookingId: data.booking.bookingId, examCode: data.booking.examCode, session: try projections.session(data.booking.sessionId),
            extra: { _, _ in TemplateVariables.nonEmpty(data.reason).map { ["reason": $0] } ?? [:] }
        ))
    }
}
