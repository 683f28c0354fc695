import ExamHallServiceKit
import Foundation
import Hummingbird

/// The CSR's verification queue (finished attempts without a verdict, oldest first), one attempt with
/// its proctor's report, and the verdict: chosen with a comment, then confirmed on a page of its own,
/// because it is final and goes back to the system that sold the exam.
struct VerificationController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct QueueContent: Sendable {
        var notice: String?
        var examCode: String
        var ratings: [Choice]
        var rows: [QueueRow]
        var hasRows: Bool
    }


    struct QueueRow: Sendable {
        var id: String
        var candidate: String
        var exam: String
        var session: String
        var finished: String
        var score: String
        var rating: String
    }

    struct AttemptContent: Sendable {
        var id: String
        var candidate: String
        var details: [Detail]
        var hasReport: Bool
        var rating: String
        var notes: String?
        var incidents: [IncidentRow]
        var hasIncidents: Bool
        var audit: [AuditRow]
        var awaitingVerdict: Bool
        var verdictGiven: String?
        var error: String?
        var comment: String
        var canVoid: Bool
        var notice: String?
    }

    struct VoidContent: Sendable {
        var id: String
        var candidate: String
        var reason: String
        var error: String?
    }

    private struct VoidRequest: Encodable, Sendable { var reason: String }

    struct IncidentRow: Sendable {
        var at: String
        var category: String
        var description: String
    }

    struct AuditRow: Sendable {
        var at: String
        var action: String
        var actor: String
        var detail: String
    }

    struct ConfirmContent: Sendable {
        var id: String
        var candidate: String
        var verdict: String
        var verdictLabel: String
        var comment: String
    }

    struct VerdictRequest: Encodable, Sendable {
        var verdict: String
        var comment: String?
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/verification", use: queue)
        router.get("/verification/:id", use: attempt)
        router.post("/verification/:id/confirm", use: confirm)
        router.post("/verification/:id/verdict", use: verdict)
        router.get("/verification/:id/void", use: confirmVoid)
        router.post("/verification/:id/void", use: void)
    }

    @Sendable func queue(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let principal = signedIn.account.principal
        let query = request.uri.queryParameters
        let examCode = request.searchField("examCode")?.trimmingCharacters(in: .whitespaces) ?? ""
        let maxRating = query.get("maxRating").flatMap(Int.init).flatMap { (1...5).contains($0) ? $0 : nil }
        let attempts = try await client.get(
            .verification, "/attempts",
            query: ["awaitingVerdict": "true", "examCode": examCode.isEmpty ? nil : examCode, "maxRating": maxRating.map(String.init), "limit": "200"],
            as: APIList<APIAttempt>.self, for: principal
        ).items
        let people = await names(of: attempts, principal: principal)
        let content = QueueContent(
            notice: query.get("done") == "verified" ? "Verdict recorded. The result goes to the candidate and, once exported, to the system that sold the exam." : nil,
            examCode: examCode,
            ratings: [("", "Any rating"), ("2", "2 or lower"), ("3", "3 or lower"), ("4", "4 or lower")].map {
                Choice(value: $0.0, label: $0.1, selected: $0.0 == (maxRating.map(String.init) ?? ""))
            },
            rows: attempts.map { attempt in
                QueueRow(
                    id: attempt.id, candidate: people[attempt.id] ?? attempt.candidateId, exam: attempt.examCode,
                    session: people["session:\(attempt.sessionId)"] ?? attempt.sessionId,
                    finished: attempt.finishedAt.map { DisplayTime.dateAndTime($0, timeZone: "UTC") } ?? "",
                    score: Self.score(attempt), rating: attempt.report.map { "\($0.rating) of 5" } ?? "No report yet"
                )
            },
            hasRows: !attempts.isEmpty
        )
        return renderer.render("verification", title: "Verification", content: content, signedIn: signedIn, section: "/verification")
    }

    @Sendable func attempt(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let notice = request.uri.queryParameters.get("done") == "voided"
            ? "Attempt voided. Its booking is cancelled and the authorization can be booked again." : nil
        return try await attemptPage(try Self.attemptId(context), signedIn: signedIn, error: nil, comment: "", notice: notice)
    }

    /// The verdict is chosen on the attempt's page and confirmed here before it is given.
    @Sendable func confirm(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let id = try Self.attemptId(context)
        let comment = form.text("comment") ?? ""
        guard let verdict = form["verdict"], ["positive", "negative"].contains(verdict) else {
            return try await attemptPage(id, signedIn: signedIn, error: "Choose a positive or a negative verdict", comment: comment)
        }
        let attempt = try await load(id, principal: signedIn.account.principal)
        let content = ConfirmContent(
            id: id, candidate: await label(of: attempt, principal: signedIn.account.principal).candidate,
            verdict: verdict, verdictLabel: verdict == "positive" ? "positive" : "negative", comment: comment
        )
        return renderer.render("verdict-confirm", title: "Give a \(verdict) verdict?", content: content, signedIn: signedIn, section: "/verification")
    }

    @Sendable func verdict(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let id = try Self.attemptId(context)
        guard let verdict = form["verdict"], ["positive", "negative"].contains(verdict) else {
            return try await attemptPage(id, signedIn: signedIn, error: "Choose a positive or a negative verdict", comment: form.text("comment") ?? "")
        }
        do {
            try await client.perform(.POST, .verification, "/attempts/\(id)/verdict", body: VerdictRequest(verdict: verdict, comment: form.text("comment")), for: signedIn.account.principal)
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await attemptPage(id, signedIn: signedIn, error: RefusalMessages.text(for: problem), comment: form.text("comment") ?? "")
        }
        return redirect(to: "/verification?done=verified")
    }

    /// Voiding is final, so it has a page of its own that says what happens, with the reason asked there.
    @Sendable func confirmVoid(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        return try await voidPage(try Self.attemptId(context), signedIn: signedIn, reason: "", error: nil)
    }

    @Sendable func void(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let id = try Self.attemptId(context)
        guard let reason = form.text("reason") else {
            return try await voidPage(id, signedIn: signedIn, reason: "", error: "Say why the attempt does not count")
        }
        do {
            try await client.perform(.POST, .verification, "/attempts/\(id)/void", body: VoidRequest(reason: reason), for: signedIn.account.principal)
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await voidPage(id, signedIn: signedIn, reason: reason, error: problem.fieldErrors["reason"].map { Messages.about("The reason", $0) } ?? RefusalMessages.text(for: problem))
        }
        return redirect(to: "/verification/\(id)?done=voided")
    }

    private func voidPage(_ id: String, signedIn: SignedIn, reason: String, error: String?) async throws -> Response {
        let attempt = try await load(id, principal: signedIn.account.principal)
        let candidate = await label(of: attempt, principal: signedIn.account.principal).candidate
        return renderer.render(
            "attempt-void", title: error == nil ? "Void the attempt?" : "Error: Void the attempt?",
            content: VoidContent(id: id, candidate: candidate, reason: reason, error: error), signedIn: signedIn, section: "/verification",
            status: error == nil ? .ok : .unprocessableContent
        )
    }

    private func attemptPage(_ id: String, signedIn: SignedIn, error: String?, comment: String, notice: String? = nil) async throws -> Response {
        let principal = signedIn.account.principal
        let attempt = try await load(id, principal: principal)
        let (candidate, session) = await label(of: attempt, principal: principal)
        var details = [
            Detail(label: "Candidate", value: candidate),
            .init(label: "Exam", value: attempt.examCode),
            .init(label: "Session", value: session),
            .init(label: "Status", value: attempt.status.capitalized),
            .init(label: "Score", value: Self.score(attempt)),
        ]
        if let started = attempt.startedAt { details.append(.init(label: "Started", value: DisplayTime.dateAndTime(started, timeZone: "UTC"))) }
        if let finished = attempt.finishedAt { details.append(.init(label: "Finished", value: DisplayTime.dateAndTime(finished, timeZone: "UTC"))) }
        details.append(.init(label: "Authorization", value: attempt.authorizationId == nil ? "None connected" : "Connected"))
        let incidents = (attempt.report?.incidents ?? []).map {
            IncidentRow(at: DisplayTime.dateAndTime($0.at, timeZone: "UTC"), category: $0.category, description: $0.description)
        }
        let content = AttemptContent(
            id: id, candidate: candidate, details: details, hasReport: attempt.report != nil,
            rating: attempt.report.map { "\($0.rating) of 5" } ?? "", notes: attempt.report?.notes, incidents: incidents,
            hasIncidents: !incidents.isEmpty,
            audit: (attempt.audit ?? []).map { AuditRow(at: DisplayTime.dateAndTime($0.at, timeZone: "UTC"), action: $0.action, actor: $0.actor, detail: $0.detail ?? "") },
            awaitingVerdict: attempt.status == "finished" && attempt.verdict == nil,
            verdictGiven: attempt.verdict.map { "\($0.capitalized)\(attempt.verdictComment.map { ": \($0)" } ?? "")" },
            error: error, comment: comment,
            canVoid: ["booked", "started", "finished", "no-show"].contains(attempt.status) && attempt.verdict == nil, notice: notice
        )
        return renderer.render(
            "attempt", title: error == nil ? "Attempt of \(content.candidate)" : "Error: Attempt of \(content.candidate)", content: content,
            signedIn: signedIn, section: "/verification", status: error == nil ? .ok : .unprocessableContent
        )
    }

    private func load(_ id: String, principal: Principal) async throws -> APIAttempt {
        do {
            return try await client.get(.verification, "/attempts/\(id)", as: APIAttempt.self, for: principal)
        } catch let problem as ServiceProblem where problem.status == 404 {
            throw PageRefusal.notFound("attempt")
        }
    }

    /// Candidates' names by attempt id and sessions' names as `session:<id>`, from the sessions service
    /// (verification knows neither), one roster per session; whatever cannot be found shows as an id.
    private func names(of attempts: [APIAttempt], principal: Principal) async -> [String: String] {
        var names: [String: String] = [:]
        for sessionId in Set(attempts.map(\.sessionId)).prefix(20) {
            if let session = try? await client.get(.sessions, "/sessions/\(sessionId)", as: APISessionDetail.self, for: principal) {
                names["session:\(sessionId)"] = Self.sessionLabel(session)
            }
            if let bookings = try? await client.get(.sessions, "/bookings", query: ["sessionId": sessionId, "limit": "1000"], as: APIList<APIBooking>.self, for: principal) {
                for booking in bookings.items where booking.candidate != nil { names[booking.id] = booking.candidateLabel }
            }
        }
        return names
    }

    /// One attempt's candidate and session: its booking (the same id) rather than the whole roster.
    private func label(of attempt: APIAttempt, principal: Principal) async -> (candidate: String, session: String) {
        async let booking = try? client.get(.sessions, "/bookings/\(attempt.bookingId)", as: APIBooking.self, for: principal)
        async let session = try? client.get(.sessions, "/sessions/\(attempt.sessionId)", as: APISessionDetail.self, for: principal)
        return (await booking?.candidateLabel ?? attempt.candidateId, await session.map(Self.sessionLabel) ?? attempt.sessionId)
    }

    static func sessionLabel(_ session: APISessionDetail) -> String {
        "\(session.name), \(DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: session.availability.timeZone))"
    }

    static func score(_ attempt: APIAttempt) -> String {
        guard let score = attempt.score else { return "Not entered" }
        let maximum = attempt.maxScore.map { " of \(Self.number($0))" } ?? ""
        let passed = attempt.passed.map { $0 ? ", passed" : ", not passed" } ?? ""
        return "\(Self.number(score))\(maximum)\(passed)"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func attemptId(_ context: ExamHallRequestContext) throws -> String {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw PageRefusal.notFound("attempt") }
        return id.uuidString.lowercased()
    }
}
