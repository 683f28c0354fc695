import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `session.updated` → every candidate booked on it hears of a change that concerns them (time,
/// place, room, instructions), with an update of their calendar event; reminders follow a new start.
struct NotifyOnSessionUpdated: EventHandler {
    let settings: NotificationSettings

    /// Changes a candidate would act on; capacity, price or staffing are not their business.
    static let candidateFacing: Set<SessionField> = [.availability, .name, .location, .room, .instructions, .additionalInstructions, .deliveryPreference]

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
            if data.changedFields.contains(.availability) {
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
