import ExamHallModels
import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// What every candidate page is built with: the signed-in candidate in their language, the services
/// (called with the candidate's own token, so a service only ever shows them what is theirs), and the
/// ways sessions are written out for them.
struct CandidatePages: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient
    let clock: @Sendable () -> Date

    /// How far ahead the candidate sees sessions to book.
    static let horizon: TimeInterval = 365 * 86_400

    func render<Content: Sendable>(
        _ template: String, title: String, content: Content, _ signedIn: SignedInCandidate, section: String?, request: Request,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        renderer.render(
            template, title: title, content: content, candidate: signedIn, words: CandidateWords.of(signedIn.language), section: section,
            returnTo: request.uri.description, status: status
        )
    }

    /// Exam titles by code.
    func examTitles(for principal: Principal) async throws -> [String: String] {
        let exams = try await client.every(.sessions, "/exams", as: APIExam.self, for: principal)
        return Dictionary(exams.map { ($0.code, $0.title) }, uniquingKeysWith: { first, _ in first })
    }

    /// Public sessions still to come, soonest first (the service shows candidates nothing else).
    func upcomingSessions(for principal: Principal, examCode: String? = nil) async throws -> [APISessionDetail] {
        let now = clock()
        let query: [String: String?] = [
            "from": Timestamp.format(now), "to": Timestamp.format(now.addingTimeInterval(Self.horizon)), "examCode": examCode, "limit": "1000",
        ]
        let page = try await client.get(.sessions, "/sessions", query: query, as: APIList<APISessionDetail>.self, for: principal)
        return page.items.filter { $0.status == "scheduled" && $0.availability.start > now }.sorted { $0.availability.start < $1.availability.start }
    }

    /// One session as a candidate reads it.
    static func card(_ session: APISessionDetail, titles: [String: String], words: CandidateWords) -> SessionCard {
        let zone = session.availability.timeZone
        let exam = session.examCodes.first ?? ""
        let occupancy = session.occupancy
        return SessionCard(
            id: session.id, exam: titles[exam].map { "\($0) (\(exam))" } ?? exam, name: session.name,
            place: "\(session.location.name), \(session.location.address)",
            time: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: zone, language: words.language),
            seats: words.seats(left: occupancy?.seatsLeft, capacity: occupancy?.capacity, waitlist: occupancy?.waitlistLength ?? 0),
            price: session.price.map { price(amount: $0.amount, currency: $0.currency, words.language) } ?? words.free,
            bookingDeadline: session.bookingDeadline.map { DisplayTime.dateAndTime($0, timeZone: zone, language: words.language) },
            cancellationDeadline: session.cancellationDeadline.map { DisplayTime.dateAndTime($0, timeZone: zone, language: words.language) },
            full: occupancy?.seatsLeft == 0
        )
    }

    static func price(amount: Decimal, currency: String, _ language: CandidateLanguage) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .currency
        formatter.locale = Locale(identifier: language == .fr ? "fr_FR" : "en_GB")
        formatter.currencyCode = currency
        return formatter.string(from: amount as NSDecimalNumber) ?? "\(amount) \(currency)"
    }
}

/// A session as the candidate pages show it: every value already written out in their language.
struct SessionCard: Sendable {
    var id: String
    var exam: String
    var name: String
    var place: String
    var time: String
    var seats: String
    var price: String
    var bookingDeadline: String?
    var cancellationDeadline: String?
    var full: Bool
}

extension APISessionDetail {
    /// The session as the booking rules read it.
    var offer: CandidateBooking.Offer {
        CandidateBooking.Offer(
            sessionId: id, examCode: examCodes.first ?? "", start: availability.start, bookingDeadline: bookingDeadline,
            authorizationRequired: authorizationRequired ?? false
        )
    }
}
