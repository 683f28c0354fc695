import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `booking.transferred` (a CSR's transfer or the candidate's reschedule) → the new session with an
/// update of the same calendar event; reminders follow the new start.
struct NotifyOnBookingTransferred: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<BookingTransferred>, context: HandlerContext) throws {
        let data = event.data
        let projections = ProjectionStore(connection: context.connection)
        let previous = try projections.session(data.fromSessionId)
        let contact = Contact(candidateId: data.booking.candidateId, data.candidate)
        try projections.saveContact(contact, at: context.now)
        try projections.saveSession(data.session, at: context.now)
        try projections.saveBooking(.init(data.booking, active: true), at: context.now)
        try ReminderStore(connection: context.connection).reschedule(
            data.booking.bookingId, start: data.session.start, offsets: settings.reminderOffsets, now: context.now
        )
        let rescheduled = data.actor == .candidate
        try context.notifier(settings).notify(.init(
            kind: .bookingTransferred, occurrence: .transfer(data), triggerEventId: event.id, candidateId: data.booking.candidateId, contact: contact,
            bookingId: data.booking.bookingId, examCode: data.booking.examCode, session: data.session,
            extra: { language, zone in
                var values: [String: TemplateValue] = ["rescheduled": .flag(rescheduled)]
                if let previous {
                    values["previousSessionName"] = .text(previous.name)
                    values["previousStartDate"] = .text(TemplateVariables.date(previous.start, language: language, timeZone: zone))
                    values["previousStartTime"] = .text(TemplateVariables.time(previous.start, language: language, timeZone: zone))
                }
                return values
            }
        ))
    }
}
