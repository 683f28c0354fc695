import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `booking.waitlisted` → the candidate is on the waiting list and hears that a freed seat will be theirs.
struct NotifyOnBookingWaitlisted: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<BookingWaitlisted>, context: HandlerContext) throws {
        let data = event.data
        let projections = ProjectionStore(connection: context.connection)
        let contact = Contact(candidateId: data.booking.candidateId, data.candidate)
        try projections.saveContact(contact, at: context.now)
        try projections.saveSession(data.session, at: context.now)
        try context.notifier(settings).notify(.init(
            kind: .waitlistJoined, occurrence: .booking(data.booking.bookingId), triggerEventId: event.id, candidateId: data.booking.candidateId, contact: contact,
            bookingId: data.booking.bookingId, examCode: data.booking.examCode, session: data.session
        ))
    }
}
