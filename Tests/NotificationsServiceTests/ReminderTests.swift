import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing
@testable import NotificationsService

@Suite struct ReminderRulesTests {
    @Test func onlyRemindersStillAheadAreScheduled() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let start = now + 50 * 3600
        let scheduled = ReminderRules.schedule(start: start, offsets: [72 * 3600, 24 * 3600], now: now)
        #expect(scheduled.map(\.offset) == [24 * 3600])
        #expect(scheduled.first?.dueAt == start - 24 * 3600)
        #expect(ReminderRules.shouldSend(sessionStart: start, now: start - 1))
        #expect(!ReminderRules.shouldSend(sessionStart: start, now: start))
    }

    @Test func backOffGrowsAndPermanentFailuresStop() {
        let now = Date(timeIntervalSince1970: 0)
        #expect(DeliveryRules.afterFailure(attempts: 1, permanent: false, now: now, base: 30, maxAttempts: 5) == .retry(at: now + 30))
        #expect(DeliveryRules.afterFailure(attempts: 3, permanent: false, now: now, base: 30, maxAttempts: 5) == .retry(at: now + 120))
        #expect(DeliveryRules.afterFailure(attempts: 20, permanent: false, now: now, base: 30, maxAttempts: 50) == .retry(at: now + 3600))
        #expect(DeliveryRules.afterFailure(attempts: 5, permanent: false, now: now, base: 30, maxAttempts: 5) == .giveUp)
        #expect(DeliveryRules.afterFailure(attempts: 1, permanent: true, now: now, base: 30, maxAttempts: 5) == .giveUp)
    }
}

/// Due reminders go out once with several replicas; a cancelled booking's never do, nor a started session's.
@Suite(.serialized) struct ReminderTests {
    @Test func aDueReminderIsSentOnceWithTwoReplicasAndACancelledBookingsNever() async throws {
        let bed = try await NotificationTestBed(port: 18198)
        let session = NotificationTestBed.session(start: Date() + 50 * 3600)
        let kept = NotificationTestBed.candidate(language: "fr", timeZone: "Europe/Paris")
        let dropped = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let droppedBooking = NotificationTestBed.confirmed(dropped, session: session)
        #expect(await bed.handle([
            try .of(NotificationTestBed.confirmed(kept, session: session), exchange: .events), try .of(droppedBooking, exchange: .events),
        ]))
        #expect(await bed.handle([try .of(BookingCancelled(
            booking: droppedBooking.booking, session: session, candidate: dropped.contact, reason: "requested by the candidate", actor: .candidate, cancelledAt: Date()
        ), exchange: .events)]))

        bed.advance(by: 27 * 3600)  // 23 hours before the start: the 24-hour reminder is due
        async let first = SendReminders.runOnce(bed.environment, settings: bed.settings)
        async let second = SendReminders.runOnce(bed.environment, settings: bed.settings)
        _ = try await (first, second)
        _ = try await SendReminders.runOnce(bed.environment, settings: bed.settings)
        try await bed.drain(senders: 2)

        #expect(try bed.deliveries(of: kept.id).map(\.kind) == ["booking-confirmed", "reminder"])
        let reminder = try #require(try bed.mail(to: kept.contact.email).last)
        #expect(reminder.headers["Subject"]?.hasPrefix("Rappel : votre examen CLOUD-101") == true)
        #expect(reminder.part("text/plain")?.contains("dans environ 24 heures") == true)
        #expect(try bed.deliveries(of: dropped.id).map(\.kind) == ["booking-confirmed", "booking-cancelled"])
    }

    @Test func aReminderDueAfterTheSessionStartedIsDropped() async throws {
        let bed = try await NotificationTestBed(port: 18199)
        let session = NotificationTestBed.session(start: Date() + 30 * 3600)
        let candidate = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        #expect(await bed.handle([try .of(NotificationTestBed.confirmed(candidate, session: session), exchange: .events)]))
        bed.advance(by: 31 * 3600)  // the job was not running while the reminder was due; the session has started
        _ = try await SendReminders.runOnce(bed.environment, settings: bed.settings)
        #expect(try bed.deliveries(of: candidate.id).map(\.kind) == ["booking-confirmed"])
    }

    @Test func aCancellationThatOvertookItsConfirmationHasTheLastWord() async throws {
        let bed = try await NotificationTestBed(port: 18206)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidate = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let booking = NotificationTestBed.confirmed(candidate, session: session)
        let cancelled = BookingCancelled(booking: booking.booking, session: session, candidate: candidate.contact, reason: "changed my plans", actor: .candidate, cancelledAt: Date())
        #expect(await bed.handle([try .of(cancelled, exchange: .events)]))
        #expect(await bed.handle([try .of(booking, exchange: .events)]))
        #expect(try bed.deliveries(of: candidate.id).isEmpty, "neither a confirmation nor a cancellation of a booking never confirmed to them")
        #expect(try bed.admin.query("SELECT 1 FROM notifications.reminders WHERE booking_id = $1", [booking.booking.bookingId]).isEmpty)
        #expect(try bed.admin.query("SELECT active FROM notifications.bookings WHERE booking_id = $1", [booking.booking.bookingId])
            .map { try $0.decode("active", as: Bool.self) } == [false])
    }

    @Test func aMovedSessionMovesItsRemindersAndTellsItsCandidates() async throws {
        let bed = try await NotificationTestBed(port: 18200)
        var session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidate = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let booking = NotificationTestBed.confirmed(candidate, session: session)
        #expect(await bed.handle([try .of(booking, exchange: .events)]))
        let previousStart = session.start
        session.start += 2 * 86_400
        session.end += 2 * 86_400
        #expect(await bed.handle([try .of(SessionUpdated(session: session, previousStart: previousStart, previousEnd: previousStart + 7200, changedFields: [.availability]), exchange: .events)]))
        let due = try bed.admin.query("SELECT due_at FROM notifications.reminders WHERE booking_id = $1 ORDER BY due_at", [booking.booking.bookingId])
            .map { try $0.decode("due_at", as: Date.self) }
        #expect(due.count == 2)
        #expect(abs((due.last ?? .distantPast).timeIntervalSince(session.start - 24 * 3600)) < 0.01)
        try await bed.drain()
        let changed = try #require(try bed.mail(to: candidate.contact.email).last)
        #expect(changed.headers["Subject"]?.hasPrefix("Your CLOUD-101 session has changed") == true)
        #expect(try ReceivedMail.calendar(try #require(changed.part("text/calendar")))["SEQUENCE"] == "1")
    }
}

@Suite(.serialized) struct WaitlistEmailTests {
    @Test func joiningTheWaitlistAndBeingPromotedAreTwoEmailsOnlyThePromotionWithAnInvite() async throws {
        let bed = try await NotificationTestBed(port: 18203)
        let session = NotificationTestBed.session(start: Date() + 12 * 86_400)
        let candidate = NotificationTestBed.candidate(language: "fr", timeZone: "Europe/Paris")
        let promoted = NotificationTestBed.confirmed(candidate, session: session, fromWaitlist: true)
        #expect(await bed.handle([try .of(BookingWaitlisted(booking: promoted.booking, session: session, candidate: candidate.contact, waitlistedAt: Date()), exchange: .events)]))
        #expect(await bed.handle([try .of(promoted, exchange: .events)]))
        try await bed.drain()
        let mails = try bed.mail(to: candidate.contact.email)
        #expect(mails.map { $0.headers["Subject"]?.hasPrefix("Vous êtes sur la liste d’attente") == true } == [true, false])
        #expect(mails.last?.headers["Subject"]?.hasPrefix("Une place vous revient") == true)
        #expect(mails.map { $0.part("text/calendar") != nil } == [false, true])
    }
}
