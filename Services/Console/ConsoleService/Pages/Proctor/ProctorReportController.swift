import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// The proctor's report on one attempt (`/proctor/attempts/{id}/report`): incidents with their time,
/// category and description, notes and a rating. It can change until a CSR gives the verdict; then the
/// page shows it locked and says why.
struct ProctorReportController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    static let categories: [(value: String, label: String)] = [
        ("identity", "Identity check"), ("late-arrival", "Late arrival"), ("prohibited-item", "Prohibited item"),
        ("communication", "Talking or communicating"), ("technical", "Technical problem"), ("health", "Health or comfort"), ("other", "Other"),
    ]

    struct Content: Sendable {
        var id: String
        var sessionId: String
        var zone: String
        var candidate: String
        var exam: String
        var locked: Bool
        var incidents: [IncidentRow]
        var hasIncidents: Bool
        var form: FormView
        var ratings: [Choice]
        var categories: [Choice]
        var notice: String?
    }

    struct IncidentRow: Sendable {
        var at: String
        var atValue: String
        var category: String
        var categoryValue: String
        var description: String
    }

    typealias Report = APIAttempt.Report

    static let fieldOrder = ["incidentAt", "incidentCategory", "incidentDescription", "notes", "rating"]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/proctor/attempts/:id/report", use: show)
        router.post("/proctor/attempts/:id/report", use: save)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .proctor)
        let (attempt, zone) = try await load(context, signedIn)
        var state = FormState(values: ["notes": attempt.report?.notes ?? "", "rating": attempt.report.map { String($0.rating) } ?? ""])
        state.fields["incidentCategory"] = .init(value: "")
        let notice = request.uri.queryParameters.get("done") == "saved" ? "Report saved. You can change it until a CSR gives the verdict." : nil
        return page(signedIn, attempt: attempt, zone: zone, state: state, notice: notice)
    }

    @Sendable func save(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .proctor)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let (attempt, zone) = try await load(context, signedIn)
        var state = FormState(values: [
            "incidentAt": form["incidentAt"] ?? "", "incidentCategory": form["incidentCategory"] ?? "", "incidentDescription": form["incidentDescription"] ?? "",
            "notes": form["notes"] ?? "", "rating": form["rating"] ?? "",
        ])
        // The incidents already reported come back as hidden fields, in order.
        var incidents = zip(form.all("keptAt"), zip(form.all("keptCategory"), form.all("keptDescription"))).compactMap { at, rest in
            Timestamp.parse(at).map { Report.Incident(at: $0, category: rest.0, description: rest.1) }
        }
        let newOne = [form.text("incidentAt"), form.text("incidentCategory"), form.text("incidentDescription")]
        if newOne.contains(where: { $0 != nil }) {
            let at = form.text("incidentAt").flatMap { DisplayTime.parseLocal($0, timeZone: zone) }
            if at == nil { state.fail("incidentAt", "Enter when the incident happened, as a date and time") }
            if form.text("incidentCategory") == nil { state.fail("incidentCategory", "Choose what kind of incident it was") }
            if form.text("incidentDescription") == nil { state.fail("incidentDescription", "Describe what happened") }
            if let at, let category = form.text("incidentCategory"), let description = form.text("incidentDescription") {
                incidents.append(Report.Incident(at: at, category: category, description: description))
            }
        }
        let rating = form["rating"].flatMap(Int.init).flatMap { (1...5).contains($0) ? $0 : nil }
        if rating == nil { state.fail("rating", "Choose a rating from 1 to 5") }
        guard let rating, !state.hasErrors else { return page(signedIn, attempt: attempt, zone: zone, state: state, notice: nil, status: .unprocessableContent) }
        do {
            let _: APIAttempt = try await client.post(
                .verification, "/attempts/\(attempt.id)/report", body: Report(incidents: incidents, notes: form.text("notes"), rating: rating), for: signedIn.account.principal
            )
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            if problem.type == "report-locked" {
                return page(signedIn, attempt: try await load(context, signedIn).attempt, zone: zone, state: state, notice: nil, status: .conflict)
            }
            state.absorb(problem, field: Self.field, labels: ["notes": "Notes", "rating": "Rating", "incidentDescription": "Description"])
            return page(signedIn, attempt: attempt, zone: zone, state: state, notice: nil, status: .unprocessableContent)
        }
        return redirect(to: "/proctor/attempts/\(attempt.id)/report?done=saved")
    }

    private static func field(_ apiField: String) -> String {
        if apiField.hasPrefix("incidents") {
            if apiField.hasSuffix("category") { return "incidentCategory" }
            if apiField.hasSuffix("at") { return "incidentAt" }
            return "incidentDescription"
        }
        return apiField
    }

    /// The attempt (the service answers 404 for one in a session the proctor does not staff) and the
    /// time zone of its session's place, which incident times are written in.
    private func load(_ context: ExamHallRequestContext, _ signedIn: SignedIn) async throws -> (attempt: APIAttempt, zone: String) {
        let id = try context.parameters.require("id")
        guard UUID(uuidString: id) != nil else { throw PageRefusal.notFound("attempt") }
        let attempt = try await client.get(.verification, "/attempts/\(id)", as: APIAttempt.self, for: signedIn.account.principal)
        let session = try await client.get(.sessions, "/sessions/\(attempt.sessionId)", as: APISessionDetail.self, for: signedIn.account.principal)
        return (attempt, session.availability.timeZone)
    }

    private func page(_ signedIn: SignedIn, attempt: APIAttempt, zone: String, state: FormState, notice: String?, status: HTTPResponse.Status = .ok) -> Response {
        let incidents = (attempt.report?.incidents ?? []).map { incident in
            IncidentRow(
                at: DisplayTime.dateAndTime(incident.at, timeZone: zone), atValue: Timestamp.format(incident.at),
                category: Self.categories.first { $0.value == incident.category }?.label ?? incident.category, categoryValue: incident.category,
                description: incident.description
            )
        }
        let rating = state.value("rating"), category = state.value("incidentCategory")
        return renderer.render(
            "proctor-report", title: state.hasErrors ? "Error: Report" : "Report",
            content: Content(
                id: attempt.id, sessionId: attempt.sessionId, zone: zone, candidate: attempt.candidateName ?? attempt.candidateId, exam: attempt.examCode,
                locked: attempt.verdict != nil, incidents: incidents, hasIncidents: !incidents.isEmpty, form: state.view(order: Self.fieldOrder),
                ratings: (1...5).map { Choice(value: "\($0)", label: "\($0)", selected: rating == "\($0)", id: "rating-\($0)") },
                categories: [Choice(value: "", label: "Choose a category", selected: category.isEmpty)]
                    + Self.categories.map { Choice(value: $0.value, label: $0.label, selected: category == $0.value) },
                notice: notice
            ),
            signedIn: signedIn, section: "/proctor/sessions", status: status
        )
    }
}
