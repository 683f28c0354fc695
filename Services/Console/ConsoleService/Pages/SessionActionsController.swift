import ExamHallServiceKit
import Foundation
import Hummingbird

/// The CSR's actions on a session's page: add a candidate, assign an Open authorization, assign and
/// remove proctors, and cancel the session (after a page that says what will happen). Each is a form
/// POST that redirects back to the session with a message, or shows the session again with the
/// service's refusal in plain words.
struct SessionActionsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient
    let sessionPage: SessionPageController

    struct BookRequest: Encodable, Sendable {
        var candidateId: String
        var examCode: String?
        var authorizationId: String?
    }

    struct ReasonRequest: Encodable, Sendable {
        var reason: String?
    }

    struct ConfirmContent: Sendable {
        var id: String
        var name: String
        var when: String
        var affected: String
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.post("/sessions/:id/candidates", use: addCandidate)
        router.post("/sessions/:id/assign", use: assignAuthorization)
        router.post("/sessions/:id/proctors", use: assignProctor)
        router.post("/sessions/:id/proctors/:proctorId/remove", use: removeProctor)
        router.get("/sessions/:id/cancel", use: confirmCancel)
        router.post("/sessions/:id/cancel", use: cancel)
    }

    @Sendable func addCandidate(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, form) = try await begin(request, context)
        guard let candidateId = form.text("candidateId") else {
            return try await sessionPage.render(id, signedIn: signedIn, outcome: .init(error: "Enter the candidate's ID to add them.", status: .unprocessableContent), query: nil)
        }
        return try await act(id, signedIn: signedIn, done: "added") {
            try await client.perform(.POST, .sessions, "/sessions/\(id)/bookings", body: BookRequest(candidateId: candidateId, examCode: form.text("examCode")), for: $0)
        }
    }

    @Sendable func assignAuthorization(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, form) = try await begin(request, context)
        guard let authorizationId = form.text("authorizationId").flatMap(UUID.init(uuidString:)), let candidateId = form.text("candidateId") else {
            return try await sessionPage.render(id, signedIn: signedIn, outcome: .init(error: "Choose an authorization to assign.", status: .unprocessableContent), query: nil)
        }
        let body = BookRequest(candidateId: candidateId, authorizationId: authorizationId.uuidString.lowercased())
        return try await act(id, signedIn: signedIn, done: "assigned") {
            try await client.perform(.POST, .sessions, "/sessions/\(id)/bookings", body: body, for: $0)
        }
    }

    @Sendable func assignProctor(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, form) = try await begin(request, context)
        guard let proctorId = form.text("proctorId").flatMap(UUID.init(uuidString:)) else {
            return try await sessionPage.render(id, signedIn: signedIn, outcome: .init(error: "Choose a proctor to assign.", status: .unprocessableContent), query: nil)
        }
        return try await act(id, signedIn: signedIn, done: "proctor-assigned") {
            try await client.perform(.PUT, .sessions, "/sessions/\(id)/proctors/\(proctorId.uuidString.lowercased())", for: $0)
        }
    }

    @Sendable func removeProctor(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, _) = try await begin(request, context)
        guard let proctorId = context.parameters.get("proctorId").flatMap(UUID.init(uuidString:)) else { throw PageRefusal.notFound("proctor") }
        return try await act(id, signedIn: signedIn, done: "proctor-removed") {
            try await client.perform(.DELETE, .sessions, "/sessions/\(id)/proctors/\(proctorId.uuidString.lowercased())", for: $0)
        }
    }

    /// Cancelling a session asks first, on a page of its own saying who it affects.
    @Sendable func confirmCancel(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let id = try SessionPageController.sessionId(context)
        let principal = signedIn.account.principal
        let session = try await client.get(.sessions, "/sessions/\(id)", as: APISessionDetail.self, for: principal)
        let occupancy = session.occupancy
        let booked = (occupancy?.seatsBooked ?? 0) + (occupancy?.seatsHeldForPayment ?? 0)
        let waiting = occupancy?.waitlistLength ?? 0
        let content = ConfirmContent(
            id: id, name: session.name,
            when: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: session.availability.timeZone),
            affected: "\(booked) booked candidate\(booked == 1 ? "" : "s") and \(waiting) on the waitlist will have their bookings cancelled and be emailed; their authorizations return to Open."
        )
        return renderer.render("session-cancel", title: "Cancel \(session.name)?", content: content, signedIn: signedIn, section: "/calendar")
    }

    @Sendable func cancel(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, form) = try await begin(request, context)
        return try await act(id, signedIn: signedIn, done: "cancelled") {
            try await client.perform(.POST, .sessions, "/sessions/\(id)/cancel", body: ReasonRequest(reason: form.text("reason")), for: $0)
        }
    }

    private func begin(_ request: Request, _ context: ExamHallRequestContext) async throws -> (SignedIn, String, Form) {
        let signedIn = try await gate.require(request, .admin, .csr)
        let id = try SessionPageController.sessionId(context)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        return (signedIn, id, form)
    }

    /// Runs the change; on success back to the session with `done`, on a refusal the session again with why.
    private func act(_ id: String, signedIn: SignedIn, done: String, _ change: (Principal) async throws -> Void) async throws -> Response {
        do {
            try await change(signedIn.account.principal)
            return redirect(to: "/sessions/\(id)?done=\(done)")
        } catch let problem as ServiceProblem where (400..<500).contains(problem.status) && problem.status != 401 && problem.status != 403 {
            return try await sessionPage.render(
                id, signedIn: signedIn, outcome: .init(error: RefusalMessages.text(for: problem), status: problem.status == 409 ? .conflict : .unprocessableContent),
                query: nil
            )
        }
    }
}
