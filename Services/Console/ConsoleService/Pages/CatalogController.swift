import ExamHallServiceKit
import Foundation
import Hummingbird

/// The catalog CSRs and admins keep: exams (`/exams`) and the proctor registry (`/proctors`), each a
/// list with a form to add one; exams are changed on a page of their own (`/exams/{code}/edit`), and
/// exams and proctors are deactivated rather than deleted.
struct CatalogController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct ExamsContent: Sendable {
        var notice: String?
        var rows: [ExamRow]
        var form: FormView
        var verificationRequired: Bool
        var policies: [Choice]
        var paging: PagingView
        var searchAction = "/exams"
        var searchLabel = "Code or title"
    }

    struct ExamRow: Sendable {
        var code: String
        var title: String
        var duration: String
        var languages: String
        var verification: String
        var noShow: String
        var status: String
        /// What the row's button sets `active` to, and says.
        var makeActive: String
        var action: String
    }

    struct ExamFormContent: Sendable {
        var code: String
        var form: FormView
        var verificationRequired: Bool
        var policies: [Choice]
    }

    /// The fields of an exam that change; its code never does.
    struct ExamChange: Encodable, Sendable {
        var title: String
        var durationMinutes: Int
        var languages: [String]
        var verificationRequired: Bool
        var noShowPolicy: String
    }

    private struct ActiveChange: Encodable, Sendable { var active: Bool }

    struct ProctorsContent: Sendable {
        var notice: String?
        var rows: [ProctorRow]
        var hasRows: Bool
        var form: FormView
        var paging: PagingView
        var searchAction = "/proctors"
        var searchLabel = "Name or email address"
    }

    struct ProctorRow: Sendable {
        var id: String
        var name: String
        var email: String
        var status: String
        /// What the row's button sets `active` to, and says.
        var makeActive: String
        var action: String
    }

    struct ExamRequest: Encodable, Sendable {
        var code: String
        var title: String
        var durationMinutes: Int
        var languages: [String]?
        var verificationRequired: Bool
        var noShowPolicy: String
    }

    struct ProctorRequest: Encodable, Sendable {
        var name: String
        var email: String
    }

    static let examFields = ["code", "title", "durationMinutes", "languages", "verificationRequired", "noShowPolicy"]
    static let proctorFields = ["name", "email"]
    static let examLabels = ["code": "Code", "title": "Title", "durationMinutes": "Duration", "languages": "Languages"]
    static let policies = [("forfeit", "Forfeit: a no-show uses up the authorization"), ("release", "Release: a no-show's authorization returns to Open")]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/exams", use: exams)
        router.post("/exams", use: addExam)
        router.get("/exams/:code/edit", use: editExam)
        router.post("/exams/:code/edit", use: changeExam)
        router.post("/exams/:code/active", use: setExamActive)
        router.get("/proctors", use: proctors)
        router.post("/proctors", use: addProctor)
        router.post("/proctors/:id/active", use: setProctorActive)
    }

    @Sendable func exams(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let parameters = request.uri.queryParameters
        let added = parameters.get("added").map { "Exam \($0) added to the catalog." }
        let paging = ListPaging(path: "/exams", query: request.searchField("query"), offset: parameters.get("offset"))
        return try await examsPage(Self.newExamForm, notice: added, paging: paging, signedIn: signedIn)
    }

    @Sendable func addExam(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = FormState(values: Dictionary(uniqueKeysWithValues: Self.examFields.map { ($0, form[$0] ?? "") }))
        let code = form.text("code")?.uppercased()
        if code == nil { state.fail("code", "Enter the exam's code, as the payment system names it") }
        let change = Self.examChange(form, state: &state)
        guard let code, let change else { return try await examsPage(state, notice: nil, paging: Self.allExams, signedIn: signedIn) }
        let body = ExamRequest(
            code: code, title: change.title, durationMinutes: change.durationMinutes, languages: change.languages,
            verificationRequired: change.verificationRequired, noShowPolicy: change.noShowPolicy
        )
        do {
            let _: APIExam = try await client.post(.sessions, "/exams", body: body, as: APIExam.self, for: signedIn.account.principal)
            // The list opens on the exam added, found by its code.
            let found = code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return redirect(to: "/exams?query=\(found)&added=\(found)")
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            state.absorb(problem, field: { Self.examFields.contains($0) ? $0 : ($0.hasPrefix("languages") ? "languages" : "code") }, labels: Self.examLabels)
            return try await examsPage(state, notice: nil, paging: Self.allExams, signedIn: signedIn)
        }
    }

    @Sendable func editExam(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let exam = try await loadExam(context, signedIn: signedIn)
        let state = FormState(values: [
            "title": exam.title, "durationMinutes": String(exam.durationMinutes), "languages": (exam.languages ?? []).joined(separator: ", "),
            "verificationRequired": exam.verificationRequired == false ? "" : "yes", "noShowPolicy": exam.noShowPolicy ?? "forfeit",
        ])
        return examPage(state, code: exam.code, signedIn: signedIn)
    }

    @Sendable func changeExam(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let exam = try await loadExam(context, signedIn: signedIn)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = FormState(values: Dictionary(uniqueKeysWithValues: Self.examFields.map { ($0, form[$0] ?? "") }))
        guard let change = Self.examChange(form, state: &state) else { return examPage(state, code: exam.code, signedIn: signedIn) }
        do {
            let _: APIExam = try await client.send(.PATCH, .sessions, Self.examPath(exam.code), body: change, for: signedIn.account.principal)
            return try await examsPage(
                Self.newExamForm, notice: "Exam \(exam.code) changed.", paging: ListPaging(path: "/exams", query: exam.code), signedIn: signedIn
            )
        } catch let problem as ServiceProblem where problem.status == 422 {
            state.absorb(problem, field: { Self.examFields.contains($0) ? $0 : ($0.hasPrefix("languages") ? "languages" : "title") }, labels: Self.examLabels)
            return examPage(state, code: exam.code, signedIn: signedIn)
        }
    }

    /// Deactivates or reactivates an exam: sessions already planned keep it, no new one offers it.
    @Sendable func setExamActive(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        guard let code = context.parameters.get("code"), let active = form["active"].map({ $0 == "true" }) else { throw PageRefusal.notFound("exam") }
        let changed: APIExam = try await client.send(.PATCH, .sessions, Self.examPath(code), body: ActiveChange(active: active), for: signedIn.account.principal)
        let notice = active ? "\(changed.code) can be offered by new sessions again."
            : "\(changed.code) is deactivated: no new session offers it. Sessions already planned keep it."
        return try await examsPage(Self.newExamForm, notice: notice, paging: ListPaging(path: "/exams", query: changed.code), signedIn: signedIn)
    }

    private func loadExam(_ context: ExamHallRequestContext, signedIn: SignedIn) async throws -> APIExam {
        guard let code = context.parameters.get("code") else { throw PageRefusal.notFound("exam") }
        return try await client.get(.sessions, Self.examPath(code), as: APIExam.self, for: signedIn.account.principal)
    }

    private static func examPath(_ code: String) -> String {
        "/exams/" + (code.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? "")
    }

    /// The exam fields of a form (all but its code), or nil with each problem beside its field.
    private static func examChange(_ form: Form, state: inout FormState) -> ExamChange? {
        let title = form.text("title")
        let duration = form.text("durationMinutes").flatMap(Int.init)
        if title == nil { state.fail("title", "Enter the exam's title") }
        if duration == nil { state.fail("durationMinutes", "Enter the duration in minutes, for example 90") }
        guard !state.hasErrors, let title, let duration else { return nil }
        let languages = (form.text("languages") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        return ExamChange(
            title: title, durationMinutes: duration, languages: languages, verificationRequired: form["verificationRequired"] == "yes",
            noShowPolicy: form["noShowPolicy"] == "release" ? "release" : "forfeit"
        )
    }

    private func examPage(_ state: FormState, code: String, signedIn: SignedIn) -> Response {
        let content = ExamFormContent(
            code: code, form: state.view(order: Self.examFields), verificationRequired: state.value("verificationRequired") == "yes",
            policies: policyChoices(state)
        )
        return renderer.render(
            "exam-form", title: state.hasErrors ? "Error: Change \(code)" : "Change \(code)", content: content, signedIn: signedIn, section: "/exams",
            status: state.hasErrors ? .unprocessableContent : .ok
        )
    }

    private func policyChoices(_ state: FormState) -> [Choice] {
        let chosen = state.value("noShowPolicy")
        return Self.policies.map { Choice(value: $0.0, label: $0.1, selected: $0.0 == chosen, id: "noShowPolicy-\($0.0)") }
    }

    @Sendable func proctors(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let parameters = request.uri.queryParameters
        let added = parameters.get("added").map { "\($0) added to the proctor registry. Invite them from Accounts to let them sign in." }
        let paging = ListPaging(path: "/proctors", query: request.searchField("query"), offset: parameters.get("offset"))
        return try await proctorsPage(FormState(), notice: added, paging: paging, signedIn: signedIn)
    }

    @Sendable func addProctor(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = FormState(values: Dictionary(uniqueKeysWithValues: Self.proctorFields.map { ($0, form[$0] ?? "") }))
        let name = form.text("name")
        if name == nil { state.fail("name", "Enter the proctor's name") }
        if let problem = AccountsController.emailProblem(form.text("email")) { state.fail("email", problem) }
        guard !state.hasErrors, let name, let email = form.text("email") else {
            return try await proctorsPage(state, notice: nil, paging: Self.allProctors, signedIn: signedIn)
        }
        do {
            let _: APIProctor = try await client.post(.sessions, "/proctors", body: ProctorRequest(name: name, email: email), as: APIProctor.self, for: signedIn.account.principal)
            // The registry opens on the proctor added, found by their email address.
            let found = email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return redirect(to: "/proctors?query=\(found)&added=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        } catch let problem as ServiceProblem where problem.status == 409 || problem.status == 422 {
            state.absorb(problem, field: { Self.proctorFields.contains($0) ? $0 : "email" }, labels: ["name": "Name", "email": "Email address"])
            return try await proctorsPage(state, notice: nil, paging: Self.allProctors, signedIn: signedIn)
        }
    }

    private struct ProctorChange: Encodable, Sendable { var active: Bool }

    /// Deactivates or reactivates a proctor; the answer names the sessions a deactivated one still has.
    @Sendable func setProctorActive(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:))?.uuidString.lowercased(), let active = form["active"].map({ $0 == "true" }) else {
            throw PageRefusal.notFound("proctor")
        }
        let changed = try await client.send(
            .PATCH, .sessions, "/proctors/\(id)", body: ProctorChange(active: active), for: signedIn.account.principal
        ) as APIProctorDetail
        let sessions = changed.assignments ?? []
        let notice = active ? "\(changed.name) can be assigned to sessions again."
            : sessions.isEmpty ? "\(changed.name) is deactivated and gets no new session."
            : "\(changed.name) is deactivated and gets no new session. Still assigned to: \(sessions.map(\.name).joined(separator: ", ")). Assign someone else there."
        return try await proctorsPage(FormState(), notice: notice, paging: ListPaging(path: "/proctors", query: changed.email), signedIn: signedIn)
    }

    /// The form to add an exam, as it first shows.
    static let newExamForm = FormState(values: ["noShowPolicy": "forfeit", "verificationRequired": "yes"])
    static let allExams = ListPaging(path: "/exams", query: nil)

    private func examsPage(_ state: FormState, notice: String?, paging: ListPaging, signedIn: SignedIn) async throws -> Response {
        let found = try await client.get(.sessions, "/exams", query: paging.apiQuery, as: APIList<APIExam>.self, for: signedIn.account.principal)
        let exams = found.items
        let content = ExamsContent(
            notice: notice,
            rows: exams.map { exam in
                ExamRow(
                    code: exam.code, title: exam.title, duration: "\(exam.durationMinutes) minutes", languages: (exam.languages ?? []).joined(separator: ", "),
                    verification: exam.verificationRequired == false ? "By the system" : "By a CSR",
                    noShow: exam.noShowPolicy == "release" ? "Release" : "Forfeit", status: exam.isActive ? "Active" : "Deactivated",
                    makeActive: exam.isActive ? "false" : "true", action: exam.isActive ? "Deactivate" : "Reactivate"
                )
            },
            form: state.view(order: Self.examFields), verificationRequired: state.value("verificationRequired") == "yes",
            policies: policyChoices(state), paging: paging.view(shown: exams.count, total: found.total ?? exams.count, noun: "exams")
        )
        return renderer.render(
            "exams", title: state.hasErrors ? "Error: Exams" : "Exams", content: content, signedIn: signedIn, section: "/exams",
            status: state.hasErrors ? .unprocessableContent : .ok
        )
    }

    static let allProctors = ListPaging(path: "/proctors", query: nil)

    private func proctorsPage(_ state: FormState, notice: String?, paging: ListPaging, signedIn: SignedIn) async throws -> Response {
        let found = try await client.get(.sessions, "/proctors", query: paging.apiQuery, as: APIList<APIProctor>.self, for: signedIn.account.principal)
        let proctors = found.items
        let rows = proctors.map { proctor in
            ProctorRow(
                id: proctor.id, name: proctor.name, email: proctor.email, status: proctor.isActive ? "Active" : "Deactivated",
                makeActive: proctor.isActive ? "false" : "true", action: proctor.isActive ? "Deactivate" : "Reactivate"
            )
        }
        let content = ProctorsContent(
            notice: notice, rows: rows, hasRows: !rows.isEmpty, form: state.view(order: Self.proctorFields),
            paging: paging.view(shown: rows.count, total: found.total ?? rows.count, noun: "proctors")
        )
        return renderer.render(
            "proctors", title: state.hasErrors ? "Error: Proctors" : "Proctors", content: content, signedIn: signedIn, section: "/proctors",
            status: state.hasErrors ? .unprocessableContent : .ok
        )
    }
}
