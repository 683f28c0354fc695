import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `booking.expired` → the held seat was released for want of payment.
struct NotifyOnBookingExpired: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<BookingExpired>, context: HandlerContext) throws {
        let data = event.data
        let projections = ProjectionStore(connection: context.connection)
        let contact = data.candidate.map { Contact(candidateId: data.booking.candidateId, $0) }
        if let contact { try projections.saveContact(contact, at: context.now) }
        try context.notifier(settings).notify(.init(
            kind: .paymentExpired, occurrence: .booking(data.booking.bookingId), triggerEventId: event.id, candidateId: data.booking.candidateId, contact: contact,
            bookingId: data.booking.bookingId, examCode: data.booking.examCode, session: try projections.session(data.booking.sessionId)
        ))
    }
}
