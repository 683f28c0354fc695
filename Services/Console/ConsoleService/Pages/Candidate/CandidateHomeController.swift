import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /me`: the candidate's exam authorizations, then the sessions they can book, grouped by day,
/// each with a "Book" button (or the waitlist when full). `POST /me/language` switches the language.
struct CandidateHomeController: Sendable {
    let pages: CandidatePages

    struct Content: Sendable {
        var words: CandidateWords
        var notice: String?
        var authorizations: [AuthorizationRow]
        var days: [Day]
        var hasSessions: Bool
        var booked: [String]
    }

    struct AuthorizationRow: Sendable {
        var exam: String
        var status: String
        var validUntil: String
        var bookingLink: String?
    }

    struct Day: Sendable {
        var heading: String
        var sessions: [SessionCard]
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/me", use: show)
        router.post("/me/language", use: switchLanguage)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let words = CandidateWords.of(signedIn.language)
        let principal = signedIn.candidate.principal
        let client = pages.client
        async let authorizations = client.get(.authorizations, "/authorizations", query: ["limit": "100"], as: APIAuthorizationList.self, for: principal)
        async let bookings = client.get(.sessions, "/bookings", query: ["limit": "1000"], as: APIList<APIBooking>.self, for: principal)
        async let sessions = pages.upcomingSessions(for: principal)
        async let titles = pages.examTitles(for: principal)
        let (held, mine, upcoming, names) = try await (authorizations.items, bookings.items, sessions, titles)

        let zone = signedIn.candidate.timeZone
        let rows = held.sorted { $0.createdAt > $1.createdAt }.map { authorization in
            AuthorizationRow(
                exam: names[authorization.examCode].map { "\($0) (\(authorization.examCode))" } ?? authorization.examCode,
                status: words.status(authorization.status),
                validUntil: authorization.validUntil.map { DisplayTime.dateAndTime($0, timeZone: zone, language: words.language) } ?? words.noExpiry,
                bookingLink: authorization.status == "assigned" ? authorization.bookingId.map { "/me/bookings/\($0)" } : nil
            )
        }
        let choice = CandidateBooking.offered(
            upcoming.map(\.offer), openAuthorizationExams: Set(held.filter { $0.status == "open" }.map(\.examCode)),
            activeBookingExams: Set(mine.filter { CandidateBooking.isActive($0.status) }.map(\.examCode)), now: pages.clock()
        )
        let offered = Set(choice.sessionIds)
        var days: [Day] = []
        for session in upcoming where offered.contains(session.id) {
            let heading = DisplayTime.day(session.availability.start, timeZone: TimeZone(identifier: session.availability.timeZone) ?? .gmt, language: words.language)
            let card = CandidatePages.card(session, titles: names, words: words)
            if days.last?.heading == heading { days[days.count - 1].sessions.append(card) } else { days.append(Day(heading: heading, sessions: [card])) }
        }
        let booked = choice.alreadyBooked.sorted().map { code in names[code].map { "\($0) (\(code))" } ?? code }
        return pages.render(
            "me", title: words.homeTitle,
            content: Content(words: words, notice: nil, authorizations: rows, days: days, hasSessions: !days.isEmpty, booked: booked),
            signedIn, section: "/me", request: request
        )
    }

    @Sendable func switchLanguage(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let form = try await Form.read(request, context: context)
        try pages.gate.checkForm(form, of: signedIn)
        guard let language = CandidateLanguage(rawValue: form["language"] ?? "") else { throw PageRefusal.formExpired }
        try await pages.gate.setLanguage(language, for: signedIn)
        let back = SignInController.safeReturn(form["return"] ?? "").flatMap { $0.hasPrefix("/me") ? $0 : nil } ?? "/me"
        return redirect(to: back)
    }
}
