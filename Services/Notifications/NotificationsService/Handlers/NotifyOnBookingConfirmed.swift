import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `booking.confirmed` → the booking email with the session's instructions and the calendar event
/// (or "a seat is yours" when it came from the waiting list); reminders are scheduled. Confirmations
/// come in streams, so a batch of them is recorded and enqueued in a few set-based statements, with
/// each kind's templates read once; a single one is a batch of one.
struct NotifyOnBookingConfirmed: BatchEventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<BookingConfirmed>, context: HandlerContext) throws {
        try handleBatch([(event, context)], on: context.connection)
    }

    func handleBatch(_ events: [(event: CloudEvent<BookingConfirmed>, context: HandlerContext)], on connection: PGConnection) throws {
        let sequences = try ProjectionStore(connection: connection).recordConfirmations(events.map { event, context in
            let data = event.data
            return ProjectionStore.Confirmation(
                contact: Contact(candidateId: data.booking.candidateId, data.candidate), session: data.session, booking: .init(data.booking, active: true),
                reminders: ReminderRules.schedule(start: data.session.start, offsets: settings.reminderOffsets, now: context.now)
            )
        }, at: events[0].context.now)
        let templates = TemplateChooser(TemplateStore(connection: connection))
        let emails = try zip(events, sequences).compactMap { item, sequence -> DeliveryStore.Enqueued? in
            // No sequence: a cancellation overtook its confirmation.
            guard let sequence else { return nil }
            let (event, context) = item
            let data = event.data
            return try context.notifier(settings).compose(.init(
                kind: data.fromWaitlist ? .waitlistPromoted : .bookingConfirmed, occurrence: .booking(data.booking.bookingId), triggerEventId: event.id,
                candidateId: data.booking.candidateId, contact: Contact(candidateId: data.booking.candidateId, data.candidate),
                bookingId: data.booking.bookingId, examCode: data.booking.examCode, session: data.session, calendarSequence: sequence
            ), templates: templates)
        }
        _ = try DeliveryStore(connection: connection).enqueue(emails, at: events[0].context.now)
    }
}
