import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing
@testable import NotificationsService

/// The booking email as candidates receive it, through the real SMTP server: exact words in English
/// and French, local times across a daylight-saving change, and a calendar event a strict reader accepts.
@Suite(.serialized) struct BookingEmailTests {
    /// Paris moves its clocks from 02:00 to 03:00 on 28 March 2027: a session from 00:30 to 02:30 UTC
    /// is 01:30 (UTC+1) to 04:30 (UTC+2) local time.
    static let acrossDaylightSaving = Date(timeIntervalSince1970: 1_806_193_800)

    @Test func theBookingEmailInEnglishAndFrench() async throws {
        let bed = try await NotificationTestBed(port: 18191)
        let session = NotificationTestBed.session(start: Self.acrossDaylightSaving)
        let french = NotificationTestBed.candidate(language: "fr", timeZone: "Europe/Paris", name: "Marie Curie")
        let english = NotificationTestBed.candidate(language: "en", timeZone: "Europe/Paris", name: "Ada Lovelace")
        let frenchBooking = NotificationTestBed.confirmed(french, session: session)
        let englishBooking = NotificationTestBed.confirmed(english, session: session)
        #expect(await bed.handle([try .of(frenchBooking, exchange: .events), try .of(englishBooking, exchange: .events)]))
        try await bed.drain()

        let en = try #require(try bed.mail(to: english.contact.email).first)
        #expect(en.headers["Subject"] == "Your CLOUD-101 exam is booked: Sunday, 28 March 2027, 01:30")
        #expect(en.headers["To"] == "Ada Lovelace <\(english.contact.email)>")
        #expect(en.part("text/plain") == """
            Dear Ada Lovelace,

            Your seat is booked:

            Cloud Foundations — morning (CLOUD-101)
            Sunday, 28 March 2027, 01:30–04:30 (Europe/Paris, UTC+01:00)
            Paris Opéra Centre, 8 rue Auber, Paris — Salle 2
            Delivery: in-person

            Instructions: Bring a photo ID.
            Also: Arrive 15 minutes early & switch off phones.

            The attached calendar event keeps the date in your calendar.

            The ExamHall team
            Booking reference: \(englishBooking.booking.bookingId)

            """)
        let html = try #require(en.part("text/html"))
        #expect(html.contains("Also: Arrive 15 minutes early &amp; switch off phones."), "values are HTML-escaped in the HTML body")

        let fr = try #require(try bed.mail(to: french.contact.email).first)
        #expect(fr.headers["Subject"] == "Votre examen CLOUD-101 est réservé : dimanche 28 mars 2027, 01:30")
        #expect(fr.part("text/plain") == """
            Bonjour Marie Curie,

            Votre place est réservée :

            Cloud Foundations — morning (CLOUD-101)
            dimanche 28 mars 2027, 01:30–04:30 (Europe/Paris, UTC+01:00)
            Paris Opéra Centre, 8 rue Auber, Paris — Salle 2
            Modalité : in-person

            Consignes : Bring a photo ID.
            À noter également : Arrive 15 minutes early & switch off phones.

            L’événement joint ajoute la date à votre agenda.

            L’équipe ExamHall
            Référence de réservation : \(frenchBooking.booking.bookingId)

            """)

        let calendar = try ReceivedMail.calendar(try #require(fr.part("text/calendar")))
        #expect(calendar["METHOD"] == "REQUEST")
        #expect(calendar["UID"] == "booking-\(frenchBooking.booking.bookingId)@examhall")
        #expect(calendar["SEQUENCE"] == "0")
        #expect(calendar["DTSTART"] == "2027-03-28T00:30:00+00:00")
        #expect(calendar["DTEND"] == "2027-03-28T02:30:00+00:00")
        #expect(calendar["LOCATION"] == "Paris Opéra Centre, 8 rue Auber, Paris, Salle 2")
        #expect(calendar["DESCRIPTION"] == "Bring a photo ID.\nArrive 15 minutes early & switch off phones.")
        #expect(calendar["ATTENDEE"] == "mailto:\(french.contact.email)")
        #expect(fr.parts.contains { $0.contentType == "application/ics" }, "also attached as invite.ics")
    }

    @Test func theCandidatesLanguagePicksTheTemplateWithTheDefaultAsFallback() async throws {
        let bed = try await NotificationTestBed(port: 18192)
        let session = NotificationTestBed.session(start: Date() + 30 * 86_400)
        let german = NotificationTestBed.candidate(language: "de", timeZone: "Europe/Berlin")
        let canadian = NotificationTestBed.candidate(language: "fr-CA", timeZone: "America/Montreal")
        #expect(await bed.handle([
            try .of(NotificationTestBed.confirmed(german, session: session), exchange: .events),
            try .of(NotificationTestBed.confirmed(canadian, session: session), exchange: .events),
        ]))
        try await bed.drain()
        #expect(try bed.mail(to: german.contact.email).first?.headers["Subject"]?.hasPrefix("Your CLOUD-101 exam is booked") == true)
        #expect(try bed.mail(to: canadian.contact.email).first?.headers["Subject"]?.hasPrefix("Votre examen CLOUD-101 est réservé") == true)
        #expect(try bed.deliveries(of: german.id).map(\.status) == ["sent"])
        let languages = try bed.admin.query("SELECT language FROM notifications.deliveries WHERE candidate_id IN ($1, $2) ORDER BY candidate_id = $1 DESC", [german.id, canadian.id])
            .map { try $0.decode("language", as: String.self) }
        #expect(languages == ["en", "fr"])
    }

    @Test func aTransferUpdatesTheSameCalendarEventAndACancellationRemovesIt() async throws {
        let bed = try await NotificationTestBed(port: 18193)
        let first = NotificationTestBed.session(start: Date() + 20 * 86_400)
        var second = NotificationTestBed.session(start: Date() + 21 * 86_400)
        second.name = "Cloud Foundations — afternoon"
        let candidate = NotificationTestBed.candidate(language: "en", timeZone: "Europe/London")
        let confirmed = NotificationTestBed.confirmed(candidate, session: first)
        var moved = confirmed.booking
        moved.sessionId = second.sessionId
        let transferred = BookingTransferred(booking: moved, fromSessionId: first.sessionId, session: second, candidate: candidate.contact, actor: .candidate, transferredAt: Date())
        let cancelled = BookingCancelled(booking: moved, session: second, candidate: candidate.contact, reason: "requested by the candidate", actor: .candidate, cancelledAt: Date())
        #expect(await bed.handle([try .of(confirmed, exchange: .events)]))
        #expect(await bed.handle([try .of(transferred, exchange: .events)]))
        #expect(await bed.handle([try .of(cancelled, exchange: .events)]))
        try await bed.drain()

        let mails = try bed.mail(to: candidate.contact.email)
        #expect(mails.count == 3)
        let events = try mails.map { try ReceivedMail.calendar(try #require($0.part("text/calendar"))) }
        #expect(Set(events.map { $0["UID"] }) == ["booking-\(confirmed.booking.bookingId)@examhall"])
        #expect(events.map { $0["SEQUENCE"] } == ["0", "1", "2"])
        #expect(events.map { $0["METHOD"] } == ["REQUEST", "REQUEST", "CANCEL"])
        #expect(events[2]["STATUS"] == "CANCELLED")
        #expect(mails[1].headers["Subject"]?.hasPrefix("Rescheduled: your CLOUD-101 exam is now on") == true)
        #expect(mails[1].part("text/plain")?.contains("from Cloud Foundations — morning") == true)
    }
}
