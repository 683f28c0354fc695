import ExamHallMail
import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// The candidate's bookings: the list (`/me/bookings`), one booking with what can be done to it, its
/// cancellation behind a page of its own, a move to another session of the same exam, and the booking
/// as an `.ics` file. Every call carries the candidate's own token, so another candidate's booking id
/// in the address finds nothing.
struct CandidateBookingsController: Sendable {
    let pages: CandidatePages
    /// The organizer of the calendar event: the address the booking emails come from.
    let organizerEmail: String

    struct ListContent: Sendable {
        var words: CandidateWords
        var current: [BookingView]
        var past: [BookingView]
        var hasBookings: Bool
        var hasPast: Bool
    }

    struct BookingContent: Sendable {
        var words: CandidateWords
        var booking: BookingView
        var done: String?
        var emailFollows: Bool
    }

    struct CancelContent: Sendable {
        var words: CandidateWords
        var booking: BookingView
        var error: String?
    }

    struct RescheduleContent: Sendable {
        var words: CandidateWords
        var booking: BookingView
        var sessions: [SessionCard]
        var hasSessions: Bool
        var error: String?
    }

    /// A booking written out for the candidate.
    struct BookingView: Sendable {
        var id: String
        var exam: String
        var name: String
        var time: String
        var place: String
        var status: String
        var waitlistPlace: String?
        var hold: String?
        var cancellationDeadline: String?
        var active: Bool
        var canReschedule: Bool
        var cancelLabel: String
    }

    private struct Transfer: Encodable, Sendable { var sessionId: String }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/me/bookings", use: list)
        router.get("/me/bookings/:id", use: show)
        router.get("/me/bookings/:id/calendar.ics", use: calendar)
        router.get("/me/bookings/:id/cancel", use: confirmCancel)
        router.post("/me/bookings/:id/cancel", use: cancel)
        router.get("/me/bookings/:id/reschedule", use: chooseSession)
        router.post("/me/bookings/:id/reschedule", use: reschedule)
    }

    /// The `done` a new or changed booking's page is opened with.
    static func done(for status: String) -> String {
        switch status {
        case "awaiting-payment": "held"
        case "waitlisted": "waitlisted"
        default: "booked"
        }
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let words = CandidateWords.of(signedIn.language)
        let principal = signedIn.candidate.principal
        async let bookings = pages.client.get(.sessions, "/bookings", query: ["limit": "1000"], as: APIList<APIBooking>.self, for: principal)
        async let titles = pages.examTitles(for: principal)
        let (mine, names) = try await (bookings.items, titles)
        let sessions = try await self.sessions(Set(mine.map(\.sessionId)), for: principal)
        let views = mine.compactMap { booking in sessions[booking.sessionId].map { (start: $0.availability.start, view: view(booking, session: $0, titles: names, words: words)) } }
            .sorted { $0.start < $1.start }.map(\.view)
        let current = views.filter(\.active), past = views.filter { !$0.active }
        return pages.render(
            "me-bookings", title: words.bookingsTitle, content: ListContent(words: words, current: current, past: past, hasBookings: !views.isEmpty, hasPast: !past.isEmpty),
            signedIn, section: "/me/bookings", request: request
        )
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let words = CandidateWords.of(signedIn.language)
        let booking = try await load(context, signedIn).view
        let done: String? = switch request.uri.queryParameters.get("done") {
        case "booked": words.bookedDone
        case "held": words.heldDone
        case "waitlisted": words.waitlistedDone
        case "moved": words.rescheduledDone
        case "cancelled": words.cancelledDone
        default: nil
        }
        return pages.render(
            "me-booking", title: done ?? words.bookingTitle, content: BookingContent(words: words, booking: booking, done: done, emailFollows: done != nil),
            signedIn, section: "/me/bookings", request: request
        )
    }

    @Sendable func confirmCancel(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let words = CandidateWords.of(signedIn.language)
        let booking = try await load(context, signedIn).view
        return pages.render("me-booking-cancel", title: words.cancelTitle, content: CancelContent(words: words, booking: booking), signedIn, section: "/me/bookings", request: request)
    }

    @Sendable func cancel(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        try pages.gate.checkForm(try await Form.read(request, context: context), of: signedIn)
        let id = try context.parameters.require("id")
        do {
            try await pages.client.perform(.POST, .sessions, "/bookings/\(id)/cancel", body: Empty(), for: signedIn.candidate.principal)
        } catch let problem as ServiceProblem where problem.status == 409 {
            let words = CandidateWords.of(signedIn.language)
            let booking = try await load(context, signedIn).view
            return pages.render(
                "me-booking-cancel", title: "\(words.errorPrefix) \(words.cancelTitle)",
                content: CancelContent(words: words, booking: booking, error: words.refusal(problem.type) ?? Messages.sentence(problem.detail) + "."),
                signedIn, section: "/me/bookings", request: request, status: .conflict
            )
        }
        return redirect(to: "/me/bookings/\(id)?done=cancelled")
    }

    @Sendable func chooseSession(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        return try await reschedulePage(request, context: context, signedIn: signedIn, error: nil)
    }

    @Sendable func reschedule(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let form = try await Form.read(request, context: context)
        try pages.gate.checkForm(form, of: signedIn)
        let id = try context.parameters.require("id")
        let words = CandidateWords.of(signedIn.language)
        guard let target = form.text("sessionId") else {
            return try await reschedulePage(request, context: context, signedIn: signedIn, error: words.chooseSession)
        }
        do {
            let _: APIBooking = try await pages.client.post(.sessions, "/bookings/\(id)/transfer", body: Transfer(sessionId: target), for: signedIn.candidate.principal)
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await reschedulePage(request, context: context, signedIn: signedIn, error: words.refusal(problem.type) ?? Messages.sentence(problem.detail) + ".")
        }
        return redirect(to: "/me/bookings/\(id)?done=moved")
    }

    @Sendable func calendar(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let (booking, detail, names, _) = try await load(context, signedIn)
        let invite = CalendarInvite(
            method: nil, bookingId: booking.id, sequence: 0, start: detail.availability.start, end: detail.availability.end,
            summary: "\(names[booking.examCode] ?? booking.examCode) – \(detail.name)", location: "\(detail.location.name), \(detail.location.address)",
            description: [detail.instructions, detail.additionalInstructions].compactMap { $0 }.joined(separator: "\n\n"),
            organizerEmail: organizerEmail, attendeeName: signedIn.candidate.name, attendeeEmail: signedIn.candidate.email, stamp: pages.clock()
        )
        var headers = HTTPFields()
        headers[.contentType] = "text/calendar; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"examhall-\(booking.id).ics\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: invite.render())))
    }

    private func reschedulePage(_ request: Request, context: ExamHallRequestContext, signedIn: SignedInCandidate, error: String?) async throws -> Response {
        let words = CandidateWords.of(signedIn.language)
        let (booking, _, names, current) = try await load(context, signedIn)
        let others = try await pages.upcomingSessions(for: signedIn.candidate.principal, examCode: booking.examCode)
        let now = pages.clock()
        let cards = others.filter { $0.id != booking.sessionId && now < ($0.bookingDeadline ?? $0.availability.start) }
            .map { CandidatePages.card($0, titles: names, words: words) }
        return pages.render(
            "me-booking-reschedule", title: error == nil ? words.rescheduleTitle : "\(words.errorPrefix) \(words.rescheduleTitle)",
            content: RescheduleContent(words: words, booking: current, sessions: cards, hasSessions: !cards.isEmpty, error: error),
            signedIn, section: "/me/bookings", request: request, status: error == nil ? .ok : .conflict
        )
    }

    /// The booking in the address, if it is the candidate's (the service answers 404 otherwise), with its
    /// session, the exam titles, and the booking written out for the page.
    private func load(
        _ context: ExamHallRequestContext, _ signedIn: SignedInCandidate
    ) async throws -> (booking: APIBooking, session: APISessionDetail, titles: [String: String], view: BookingView) {
        let principal = signedIn.candidate.principal
        let booking = try await pages.client.get(.sessions, "/bookings/\(try context.parameters.require("id"))", as: APIBooking.self, for: principal)
        async let session = pages.client.get(.sessions, "/sessions/\(booking.sessionId)", as: APISessionDetail.self, for: principal)
        async let titles = pages.examTitles(for: principal)
        let (detail, names) = try await (session, titles)
        return (booking, detail, names, view(booking, session: detail, titles: names, words: CandidateWords.of(signedIn.language)))
    }

    private func sessions(_ ids: Set<String>, for principal: Principal) async throws -> [String: APISessionDetail] {
        try await withThrowingTaskGroup(of: APISessionDetail.self) { group in
            for id in ids { group.addTask { try await pages.client.get(.sessions, "/sessions/\(id)", as: APISessionDetail.self, for: principal) } }
            var found: [String: APISessionDetail] = [:]
            for try await session in group { found[session.id] = session }
            return found
        }
    }

    private func view(_ booking: APIBooking, session: APISessionDetail, titles: [String: String], words: CandidateWords) -> BookingView {
        let zone = session.availability.timeZone
        let active = CandidateBooking.isActive(booking.status)
        return BookingView(
            id: booking.id, exam: titles[booking.examCode].map { "\($0) (\(booking.examCode))" } ?? booking.examCode, name: session.name,
            time: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: zone, language: words.language),
            place: "\(session.location.name), \(session.location.address)", status: words.status(booking.status),
            waitlistPlace: booking.waitlistPosition.map(words.waitlistPlace),
            hold: booking.status == "awaiting-payment" ? booking.paymentExpiresAt.map { words.holdUntil(DisplayTime.dateAndTime($0, timeZone: zone, language: words.language)) } : nil,
            cancellationDeadline: active ? session.cancellationDeadline.map { DisplayTime.dateAndTime($0, timeZone: zone, language: words.language) } : nil,
            active: active, canReschedule: booking.status == "confirmed", cancelLabel: booking.status == "waitlisted" ? words.leaveWaitlist : words.cancelBooking
        )
    }
}
