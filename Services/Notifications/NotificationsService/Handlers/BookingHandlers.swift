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

/// `booking.cancelled` → a cancellation with METHOD:CANCEL for the calendar; reminders dropped. When the
/// whole session was cancelled, the email says so (sessions cancels each booking with that reason).
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
        try context.notifier(settings).notify(.init(
            kind: sessionCancelled ? .sessionCancelled : .bookingCancelled, occurrence: .booking(data.booking.bookingId), triggerEventId: event.id, candidateId: data.booking.candidateId,
            contact: contact, bookingId: data.booking.bookingId, examCode: data.booking.examCode,
            session: try data.session ?? projections.session(data.booking.sessionId),
            extra: { _, _ in TemplateVariables.nonEmpty(reason).map { ["reason": $0] } ?? [:] }
        ))
    }
}

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

extension ProjectionStore.Booking {
    init(_ booking: BookingRef, active: Bool) {
        self.init(bookingId: booking.bookingId, candidateId: booking.candidateId, sessionId: booking.sessionId, examCode: booking.examCode, active: active)
    }
}
