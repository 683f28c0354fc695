import ExamHallServiceKit
import Foundation
import Hummingbird

/// A CSR cancels a booking (after a page that says what will happen) or transfers it to another
/// session of the same exam.
struct BookingActionsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct CancelContent: Sendable {
        var bookingId: String
        var candidate: String
        var session: String
        var sessionId: String
        var when: String
    }

    struct TransferContent: Sendable {
        var bookingId: String
        var candidate: String
        var exam: String
        var session: String
        var sessionId: String
        var targets: [Target]
        var hasTargets: Bool
        var error: String?
    }

    struct Target: Sendable {
        var id: String
        var label: String
        var selected: Bool
    }

    struct TransferRequest: Encodable, Sendable {
        var sessionId: String
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/bookings/:id/cancel", use: confirmCancel)
        router.post("/bookings/:id/cancel", use: cancel)
        router.get("/bookings/:id/transfer", use: transferForm)
        router.post("/bookings/:id/transfer", use: transfer)
    }

    @Sendable func confirmCancel(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let (booking, session) = try await load(context, principal: signedIn.account.principal)
        let content = CancelContent(
            bookingId: booking.id, candidate: booking.candidateLabel, session: session.name,
            sessionId: session.id,
            when: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: session.availability.timeZone)
        )
        return renderer.render("booking-cancel", title: "Cancel this booking?", content: content, signedIn: signedIn, section: "/calendar")
    }

    @Sendable func cancel(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let principal = signedIn.account.principal
        let (booking, session) = try await load(context, principal: principal)
        do {
            try await client.perform(.POST, .sessions, "/bookings/\(booking.id)/cancel", body: SessionActionsController.ReasonRequest(reason: form.text("reason")), for: principal)
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            let content = PageMiddleware.Message(heading: "The booking was not cancelled", text: RefusalMessages.text(for: problem), link: "/sessions/\(session.id)", linkLabel: "Back to the session")
            return renderer.render("message", title: "The booking was not cancelled", content: content, signedIn: signedIn, status: .conflict)
        }
        return redirect(to: "/sessions/\(session.id)?done=booking-cancelled")
    }

    @Sendable func transferForm(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let (booking, session) = try await load(context, principal: signedIn.account.principal)
        return try await transferPage(booking, session, signedIn: signedIn, chosen: nil, error: nil)
    }

    @Sendable func transfer(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let principal = signedIn.account.principal
        let (booking, session) = try await load(context, principal: principal)
        guard let target = form.text("sessionId").flatMap(UUID.init(uuidString:))?.uuidString.lowercased() else {
            return try await transferPage(booking, session, signedIn: signedIn, chosen: nil, error: "Choose the session to move the booking to")
        }
        do {
            try await client.perform(.POST, .sessions, "/bookings/\(booking.id)/transfer", body: TransferRequest(sessionId: target), for: principal)
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await transferPage(booking, session, signedIn: signedIn, chosen: target, error: RefusalMessages.text(for: problem))
        }
        return redirect(to: "/sessions/\(target)?done=transferred")
    }

    private func transferPage(_ booking: APIBooking, _ session: APISessionDetail, signedIn: SignedIn, chosen: String?, error: String?) async throws -> Response {
        let principal = signedIn.account.principal
        let upcoming = try await client.get(
            .sessions, "/sessions", query: ["examCode": booking.examCode, "from": CalendarController.iso(Date()), "limit": "200"],
            as: APIList<APISessionDetail>.self, for: principal
        ).items
        let targets = upcoming.filter { $0.id != session.id && $0.status == "scheduled" }.map { other in
            Target(
                id: other.id,
                label: "\(other.name), \(DisplayTime.dayAndTimeRange(other.availability.start, other.availability.end, timeZone: other.availability.timeZone)), \(other.location.name)",
                selected: other.id == chosen
            )
        }
        let content = TransferContent(
            bookingId: booking.id, candidate: booking.candidateLabel, exam: booking.examCode, session: session.name,
            sessionId: session.id, targets: targets, hasTargets: !targets.isEmpty, error: error
        )
        return renderer.render(
            "booking-transfer", title: error == nil ? "Transfer a booking" : "Error: Transfer a booking", content: content, signedIn: signedIn,
            section: "/calendar", status: error == nil ? .ok : .unprocessableContent
        )
    }

    private func load(_ context: ExamHallRequestContext, principal: Principal) async throws -> (APIBooking, APISessionDetail) {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:))?.uuidString.lowercased() else { throw PageRefusal.notFound("booking") }
        do {
            let booking = try await client.get(.sessions, "/bookings/\(id)", as: APIBooking.self, for: principal)
            let session = try await client.get(.sessions, "/sessions/\(booking.sessionId)", as: APISessionDetail.self, for: principal)
            return (booking, session)
        } catch let problem as ServiceProblem where problem.status == 404 {
            throw PageRefusal.notFound("booking")
        }
    }
}
