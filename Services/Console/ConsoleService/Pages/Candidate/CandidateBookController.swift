import ExamHallServiceKit
import Foundation
import Hummingbird

/// Booking a seat: `GET /me/sessions/{id}/book` shows what will be booked ("Check your booking"),
/// `POST` books it (or joins the waitlist of a full session) and leads to the booking's page, which
/// says what happened; a refusal comes back on the check page in plain words.
struct CandidateBookController: Sendable {
    let pages: CandidatePages

    struct Content: Sendable {
        var words: CandidateWords
        var session: SessionCard
        var authorization: String
        var paid: Bool
        var waitlist: Bool
        var error: String?
        /// False when the page already knows the booking would be refused.
        var canBook: Bool
    }

    private struct BookingRequest: Encodable, Sendable {
        var waitlist: Bool
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/me/sessions/:id/book", use: check)
        router.post("/me/sessions/:id/book", use: book)
    }

    @Sendable func check(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        return try await page(request, context: context, signedIn: signedIn, error: nil)
    }

    @Sendable func book(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let form = try await Form.read(request, context: context)
        try pages.gate.checkForm(form, of: signedIn)
        let id = try context.parameters.require("id")
        let words = CandidateWords.of(signedIn.language)
        do {
            let booking = try await pages.client.post(
                .sessions, "/sessions/\(id)/bookings", body: BookingRequest(waitlist: form["waitlist"] == "true"), as: APIBooking.self,
                for: signedIn.candidate.principal
            )
            context.logger.info("candidate booked", metadata: ["booking": "\(booking.id)", "status": "\(booking.status)"])
            return redirect(to: "/me/bookings/\(booking.id)?done=\(CandidateBookingsController.done(for: booking.status))")
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await page(request, context: context, signedIn: signedIn, error: words.refusal(problem.type) ?? Messages.sentence(problem.detail) + ".")
        }
    }

    private func page(_ request: Request, context: ExamHallRequestContext, signedIn: SignedInCandidate, error: String?) async throws -> Response {
        let id = try context.parameters.require("id")
        let words = CandidateWords.of(signedIn.language)
        let principal = signedIn.candidate.principal
        async let session = pages.client.get(.sessions, "/sessions/\(id)", as: APISessionDetail.self, for: principal)
        async let authorizations = pages.client.get(.authorizations, "/authorizations", query: ["status": "open", "limit": "100"], as: APIAuthorizationList.self, for: principal)
        async let titles = pages.examTitles(for: principal)
        let (detail, held, names) = try await (session, authorizations.items, titles)
        guard detail.selfEnrollment else { throw PageRefusal.notFound("session to book") }
        let exam = detail.examCodes.first ?? ""
        // The service connects the Open authorization for the exam that expires first, among those
        // valid until the session ends.
        let usable = held.filter { $0.examCode == exam && ($0.validUntil.map { $0 >= detail.availability.end } ?? true) }
            .sorted { ($0.validUntil ?? .distantFuture) < ($1.validUntil ?? .distantFuture) }.first
        let zone = detail.availability.timeZone
        let authorization = usable.map { held in
            let title = names[held.examCode] ?? held.examCode
            return held.validUntil.map { "\(title), \(words.validUntil(DisplayTime.dateAndTime($0, timeZone: zone, language: words.language)).lowercased())" } ?? title
        } ?? words.noAuthorizationUsed
        let card = CandidatePages.card(detail, titles: names, words: words)
        // Known before asking: the session needs an authorization the candidate does not hold.
        let blocked = (detail.authorizationRequired ?? false) && usable == nil ? words.refusal("authorization-required") : nil
        let error = error ?? blocked
        return pages.render(
            "me-book", title: error == nil ? words.checkTitle : "\(words.errorPrefix) \(words.checkTitle)",
            content: Content(
                words: words, session: card, authorization: authorization, paid: detail.price != nil && usable == nil, waitlist: card.full, error: error,
                canBook: blocked == nil
            ),
            signedIn, section: "/me", request: request, status: error == nil || blocked != nil ? .ok : .conflict
        )
    }
}
