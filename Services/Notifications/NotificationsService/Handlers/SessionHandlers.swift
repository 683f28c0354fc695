import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `session.updated` → every candidate booked on it hears of a change that concerns them (time,
/// place, room, instructions), with an update of their calendar event; reminders follow a new start.
struct NotifyOnSessionUpdated: EventHandler {
    let settings: NotificationSettings

    /// Changes a candidate would act on; capacity, price or staffing are not their business.
    static let candidateFacing: Set<String> = ["availability", "name", "room", "instructions", "additionalInstructions", "deliveryPreference", "location"]

    func handle(_ event: CloudEvent<SessionUpdated>, context: HandlerContext) throws {
        let data = event.data
        let projections = ProjectionStore(connection: context.connection)
        let previous = try projections.session(data.session.sessionId)
        try projections.saveSession(data.session, at: context.now)
        guard !Self.candidateFacing.isDisjoint(with: data.changedFields) else { return }
        let reminders = ReminderStore(connection: context.connection)
        let notifier = context.notifier(settings)
        let occurrence = EmailOccurrence.sessionChange(data)
        let previousStart = data.previousStart ?? previous?.start
        for booking in try projections.activeBookings(inSession: data.session.sessionId) {
            if data.changedFields.contains("availability") {
                try reminders.reschedule(booking.bookingId, start: data.session.start, offsets: settings.reminderOffsets, now: context.now)
            }
            try notifier.notify(.init(
                kind: .sessionChanged, occurrence: occurrence, triggerEventId: event.id, candidateId: booking.candidateId, contact: nil, bookingId: booking.bookingId,
                examCode: booking.examCode, session: data.session,
                extra: { language, zone in
                    guard let previousStart, abs(previousStart.timeIntervalSince(data.session.start)) >= 1 else { return [:] }
                    return [
                        "previousStartDate": .text(TemplateVariables.date(previousStart, language: language, timeZone: zone)),
                        "previousStartTime": .text(TemplateVariables.time(previousStart, language: language, timeZone: zone)),
                    ]
                }
            ))
        }
    }
}

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

/// `payment.requested` (on examhall.outbound) → the candidate is asked to pay before the hold expires.
struct NotifyOnPaymentRequested: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<PaymentRequested>, context: HandlerContext) throws {
        let data = event.data
        let amount = NSDecimalNumber(decimal: data.amount).stringValue
        try context.notifier(settings).notify(.init(
            kind: .paymentRequested, occurrence: .paymentRequest(data), triggerEventId: event.id, candidateId: data.candidateExternalId,
            contact: data.candidate.map { Contact(candidateId: data.candidateExternalId, $0) }, bookingId: data.bookingId,
            examCode: data.examCode ?? "", session: data.session,
            extra: { language, zone in
                [
                    "amount": .text(amount), "currency": .text(data.currency),
                    "paymentDeadlineDate": .text(TemplateVariables.date(data.expiresAt, language: language, timeZone: zone)),
                    "paymentDeadlineTime": .text(TemplateVariables.time(data.expiresAt, language: language, timeZone: zone)),
                ]
            }
        ))
    }
}

/// `attempt.verified` → the candidate may now read their result.
struct NotifyOnAttemptVerified: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<AttemptVerified>, context: HandlerContext) throws {
        let data = event.data
        let contact = data.candidate.map { Contact(candidateId: data.candidateId, $0) }
        if let contact { try ProjectionStore(connection: context.connection).saveContact(contact, at: context.now) }
        let positive = data.verdict == .positive
        try context.notifier(settings).notify(.init(
            kind: .resultAvailable, occurrence: .verdict(attemptId: data.attemptId), triggerEventId: event.id, candidateId: data.candidateId, contact: contact, bookingId: data.bookingId,
            examCode: data.examCode, session: nil, extra: { _, _ in ["positive": .flag(positive), "negative": .flag(!positive)] }
        ))
    }
}
