import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Turns due reminders into deliveries. Claimed with SKIP LOCKED and removed in the same transaction,
/// so with several replicas each reminder becomes exactly one email; a reminder whose session has
/// started by the time it is due is dropped, not sent.
enum SendReminders {
    static func job(_ environment: ServiceEnvironment, settings: NotificationSettings, interval: Duration = .seconds(15)) -> PeriodicJob {
        PeriodicJob(name: "send-reminders", interval: interval) {
            while try await runOnce(environment, settings: settings) == batchSize {}
        }
    }

    static let batchSize = 200

    /// Handles what is due now; returns how many reminders it took (sent or dropped).
    @discardableResult
    static func runOnce(_ environment: ServiceEnvironment, settings: NotificationSettings) async throws -> Int {
        let now = environment.clock()
        return try await environment.database.transaction { connection in
            let reminders = ReminderStore(connection: connection)
            let projections = ProjectionStore(connection: connection)
            let notifier = Notifier(connection: connection, settings: settings, now: now, correlationId: nil)
            let due = try reminders.claimDue(now: now, limit: batchSize)
            for reminder in due {
                try reminders.remove(reminder)
                guard ReminderRules.shouldSend(sessionStart: reminder.sessionStart, now: now),
                      let booking = try projections.booking(reminder.bookingId), booking.active,
                      let session = try projections.session(booking.sessionId)
                else { continue }
                let hours = String(reminder.offsetSeconds / 3600)
                let occurrence = EmailOccurrence.reminder(
                    bookingId: reminder.bookingId, offsetSeconds: reminder.offsetSeconds, sessionStart: reminder.sessionStart
                )
                try notifier.notify(.init(
                    kind: .reminder, occurrence: occurrence, triggerEventId: occurrence.description,
                    candidateId: booking.candidateId, contact: nil, bookingId: booking.bookingId, examCode: booking.examCode, session: session,
                    extra: { _, _ in ["hoursBefore": .text(hours)] }
                ))
            }
            return due.count
        }
    }
}
