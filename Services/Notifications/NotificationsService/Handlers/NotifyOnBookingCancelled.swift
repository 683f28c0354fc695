import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `booking.cancelled` → a cancellation with METHOD:CANCEL for the calendar; reminders dropped. When the
/// whole session was cancelled, or the authorization expired before the session, the email says so
/// (sessions cancels each booking with that reason).
struct NotifyOnBookingCancelled: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<BookingCancelled>, context: HandlerContext) throws {
        let data = event.data
        let projections = ProjectionStore(connection: context.connection)
        let known = try projections.booking(data.booking.bookingId)
        try projections.saveBooking(.init(data.booking, active: false), at: context.now)
        try ReminderStore(connection: context.connection).drop(data.booking.bookingId)
        let contact = data.candidate.map { Contact(candidateId: data.booking.candidateId, $0) }
        if let contact { try projections.saveContact(contact, at: context.now) }
        // Only a booking the candidate was told about is cancelled by email: a waiting-list place or an
        // unpaid hold never had a confirmation or a calendar event.
        guard known?.active == true else { return }
        let sessionCancelled = data.reason.hasPrefix("session cancelled")
        let reason = sessionCancelled ? String(data.reason.dropFirst("session cancelled".count)).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) : data.reason
        // Sessions cancels with "authorization <reason>" when the authorization a booking holds ends.
        let kind: NotificationKind = sessionCancelled ? .sessionCancelled
            : data.reason == "authorization \(InactivationReason.expired.rawValue)" ? .authorizationExpired : .bookingCancelled
        try context.notifier(settings).notify(.init(
            kind: kind, occurrence: .booking(data.booking.bookingId), triggerEventId: event.id, candidateId: data.booking.candidateId,
            contact: contact, bookingId: data.booking.bookingId, examCode: data.booking.examCode,
            session: try data.session ?? projections.session(data.booking.sessionId),
            extra: { _, _ in TemplateVariables.nonEmpty(reason).map { ["reason": $0] } ?? [:] }
        ))
    }
}
