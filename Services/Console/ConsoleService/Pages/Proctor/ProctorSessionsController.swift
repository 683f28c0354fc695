import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// The proctor's exam day: `GET /proctor/sessions` lists the sessions they staff from today on, and a
/// session's page shows its instructions and roster, where an in-person attempt is marked started and
/// then finished with its score.
struct ProctorSessionsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient
    let clock: @Sendable () -> Date

    /// How far ahead "upcoming" reaches.
    static let horizon: TimeInterval = 90 * 86_400

    struct ListContent: Sendable {
        var today: [SessionRow]
        var upcoming: [SessionRow]
        var hasToday: Bool
        var hasUpcoming: Bool
    }

    struct SessionRow: Sendable {
        var id: String
        var name: String
        var time: String
        var place: String
        var exams: String
    }

    struct SessionContent: Sendable {
        var id: String
        var name: String
        var details: [Detail]
        var instructions: String?
        var additionalInstructions: String?
        var inPerson: Bool
        var attempts: [AttemptRow]
        var hasAttempts: Bool
        var notice: String?
        var errors: [FormState.SummaryItem]
        var hasErrors: Bool
    }

    struct AttemptRow: Sendable {
        var id: String
        var candidate: String
        var exam: String
        var status: String
        var times: String?
        var score: String?
        var canStart: Bool
        var canFinish: Bool
        var scoreValue: String
        var maxScoreValue: String
        var error: String?
    }

    private struct Mark: Encodable, Sendable {}

    private struct Finish: Encodable, Sendable {
        var score: Double
        var maxScore: Double
        var passed: Bool
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/proctor/sessions", use: list)
        router.get("/proctor/sessions/:id", use: show)
        router.post("/proctor/attempts/:id/start", use: start)
        router.post("/proctor/attempts/:id/finish", use: finish)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .proctor)
        let principal = signedIn.account.principal
        let now = clock()
        let page = try await client.get(
            .sessions, "/sessions",
            query: ["proctorId": principal.subject, "from": Timestamp.format(now.addingTimeInterval(-86_400)), "to": Timestamp.format(now.addingTimeInterval(Self.horizon))],
            as: APIList<APISessionDetail>.self, for: principal
        )
        let scheduled = page.items.filter { $0.status == "scheduled" && $0.availability.end > now }
        func row(_ session: APISessionDetail) -> SessionRow {
            SessionRow(
                id: session.id, name: session.name,
                time: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: session.availability.timeZone),
                place: "\(session.location.name), \(session.location.address)\(session.room.map { ", room \($0)" } ?? "")",
                exams: session.examCodes.joined(separator: ", ")
            )
        }
        // "Today" on the clock of each session's place.
        let isToday = { (session: APISessionDetail) in
            let zone = TimeZone(identifier: session.availability.timeZone) ?? .gmt
            return DisplayTime.dayKey(session.availability.start, timeZone: zone) == DisplayTime.dayKey(now, timeZone: zone) || session.availability.start <= now
        }
        let today = scheduled.filter(isToday).map(row), upcoming = scheduled.filter { !isToday($0) }.map(row)
        return renderer.render(
            "proctor-sessions", title: "My sessions",
            content: ListContent(today: today, upcoming: upcoming, hasToday: !today.isEmpty, hasUpcoming: !upcoming.isEmpty),
            signedIn: signedIn, section: "/proctor/sessions"
        )
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .proctor)
        let notice: String? = switch request.uri.queryParameters.get("done") {
        case "started": "Attempt marked as started."
        case "finished": "Attempt marked as finished, with its score."
        default: nil
        }
        return try await page(signedIn, sessionId: try context.parameters.require("id"), notice: notice, failed: nil)
    }

    @Sendable func start(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .proctor)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let id = try context.parameters.require("id")
        let session = form["session"] ?? ""
        do {
            let _: APIAttempt = try await client.post(.verification, "/attempts/\(id)/start", body: Mark(), for: signedIn.account.principal)
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await page(signedIn, sessionId: session, notice: nil, failed: (id, "start-\(id)", RefusalMessages.text(for: problem)))
        }
        return redirect(to: "/proctor/sessions/\(session)?done=started#attempt-\(id)")
    }

    @Sendable func finish(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .proctor)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let id = try context.parameters.require("id")
        let session = form["session"] ?? ""
        let score = (form.text("score")?.replacingOccurrences(of: ",", with: ".")).flatMap(Double.init)
        let maxScore = (form.text("maxScore")?.replacingOccurrences(of: ",", with: ".")).flatMap(Double.init)
        guard let score, let maxScore, score >= 0, maxScore > 0, score <= maxScore, let passed = form["passed"].flatMap({ ["yes": true, "no": false][$0] }) else {
            return try await page(
                signedIn, sessionId: session, notice: nil,
                failed: (id, "score-\(id)", "Enter the score (0 up to the maximum), the maximum score, and whether the candidate passed")
            )
        }
        do {
            let _: APIAttempt = try await client.post(
                .verification, "/attempts/\(id)/finish", body: Finish(score: score, maxScore: maxScore, passed: passed), for: signedIn.account.principal
            )
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            return try await page(signedIn, sessionId: session, notice: nil, failed: (id, "score-\(id)", RefusalMessages.text(for: problem)))
        }
        return redirect(to: "/proctor/sessions/\(session)?done=finished#attempt-\(id)")
    }

    /// The session page; `failed` puts a refusal beside one attempt's form (and in the summary).
    private func page(_ signedIn: SignedIn, sessionId: String, notice: String?, failed: (attempt: String, field: String, message: String)?) async throws -> Response {
        guard UUID(uuidString: sessionId) != nil else { throw PageRefusal.notFound("session") }
        let principal = signedIn.account.principal
        async let session = client.get(.sessions, "/sessions/\(sessionId)", as: APISessionDetail.self, for: principal)
        async let attempts = client.get(.verification, "/attempts", query: ["sessionId": sessionId, "limit": "1000"], as: APIList<APIAttempt>.self, for: principal)
        let (detail, roster) = try await (session, attempts.items)
        // A proctor sees only the sessions they staff.
        guard detail.proctors?.contains(where: { $0.id == principal.subject }) == true else { throw PageRefusal.forbidden(signedIn) }
        let zone = detail.availability.timeZone
        let inPerson = detail.deliveryPreference == "in-person"
        let rows = roster.filter { $0.status != "cancelled" }.sorted { ($0.candidateName ?? $0.candidateId) < ($1.candidateName ?? $1.candidateId) }.map { attempt in
            let times = [attempt.startedAt.map { "started \(DisplayTime.timeOfDay($0, timeZone: zone))" }, attempt.finishedAt.map { "finished \(DisplayTime.timeOfDay($0, timeZone: zone))" }]
                .compactMap { $0 }
            return AttemptRow(
                id: attempt.id, candidate: attempt.candidateName ?? attempt.candidateId, exam: attempt.examCode, status: Self.statusLabel(attempt.status),
                times: times.isEmpty ? nil : times.joined(separator: ", "), score: attempt.score.map { score in "\(Self.number(score)) of \(attempt.maxScore.map(Self.number) ?? "?")\(attempt.passed == true ? ", passed" : attempt.passed == false ? ", not passed" : "")" },
                canStart: inPerson && attempt.status == "booked", canFinish: inPerson && (attempt.status == "booked" || attempt.status == "started"),
                scoreValue: "", maxScoreValue: "100", error: failed?.attempt == attempt.id ? failed?.message : nil
            )
        }
        var details = [
            Detail(label: "When", value: DisplayTime.dayAndTimeRange(detail.availability.start, detail.availability.end, timeZone: zone)),
            Detail(label: "Where", value: "\(detail.location.name), \(detail.location.address)"),
            Detail(label: "Exams", value: detail.examCodes.joined(separator: ", ")),
            Detail(label: "Delivery", value: inPerson ? "In person: you mark each attempt started and finished" : "Online: the delivery system reports each attempt"),
        ]
        if let room = detail.room { details.insert(Detail(label: "Room", value: room), at: 2) }
        let errors = failed.map { [FormState.SummaryItem(field: $0.field, message: $0.message)] } ?? []
        return renderer.render(
            "proctor-session", title: failed == nil ? detail.name : "Error: \(detail.name)",
            content: SessionContent(
                id: detail.id, name: detail.name, details: details, instructions: detail.instructions, additionalInstructions: detail.additionalInstructions,
                inPerson: inPerson, attempts: rows, hasAttempts: !rows.isEmpty, notice: notice, errors: errors, hasErrors: !errors.isEmpty
            ),
            signedIn: signedIn, section: "/proctor/sessions", status: failed == nil ? .ok : .unprocessableContent
        )
    }

    static func statusLabel(_ status: String) -> String {
        switch status {
        case "booked": "Expected"
        case "started": "In progress"
        case "finished": "Finished"
        case "no-show": "Did not attend"
        case "cancelled": "Cancelled"
        default: status
        }
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
