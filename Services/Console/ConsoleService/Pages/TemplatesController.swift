import ExamHallServiceKit
import Foundation
import Hummingbird

/// The notification templates, by kind and language: edit the subject, text and HTML with a preview
/// rendered from example values before saving, see the history of edits, and read template errors
/// with their line and column.
struct TemplatesController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct ListContent: Sendable {
        var rows: [Row]
    }

    struct Row: Sendable {
        var kind: String
        var language: String
        var source: String
        var updated: String
    }

    struct EditContent: Sendable {
        var kind: String
        var language: String
        var notice: String?
        var form: FormView
        var variables: [String]
        var preview: APITemplatePreview?
        var history: [Version]
        var hasHistory: Bool
    }

    struct Version: Sendable {
        var version: Int
        var subject: String
        var edited: String
    }

    struct Draft: Codable, Sendable {
        var subject: String
        var text: String
        var html: String
    }

    static let fieldOrder = ["subject", "text", "html"]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/templates", use: list)
        router.get("/templates/:kind/:language", use: edit)
        router.post("/templates/:kind/:language", use: submit)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let templates = try await client.get(.notifications, "/templates", as: APITemplateList.self, for: signedIn.account.principal)
        let rows = templates.items.map { item in
            Row(
                kind: item.kind, language: item.language, source: item.source == "custom" ? "Edited (version \(item.version ?? 1))" : "As shipped",
                updated: item.updatedAt.map { "\(DisplayTime.dateAndTime($0, timeZone: "UTC")) by \(item.updatedBy ?? "?")" } ?? ""
            )
        }
        return renderer.render("templates", title: "Email templates", content: ListContent(rows: rows), signedIn: signedIn, section: "/templates")
    }

    @Sendable func edit(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let (kind, language) = try Self.target(context)
        let template = try await load(kind, language, principal: signedIn.account.principal)
        let state = FormState(values: ["subject": template.subject, "text": template.text, "html": template.html])
        let notice = request.uri.queryParameters.get("done") == "saved" ? "Template saved. The next emails of this kind use it." : nil
        return page(template, state: state, preview: nil, notice: notice, signedIn: signedIn)
    }

    /// "Preview" renders the draft without saving; "Save" stores it as a new version.
    @Sendable func submit(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        let (kind, language) = try Self.target(context)
        let principal = signedIn.account.principal
        let draft = Draft(subject: form["subject"] ?? "", text: form["text"] ?? "", html: form["html"] ?? "")
        var state = FormState(values: ["subject": draft.subject, "text": draft.text, "html": draft.html])
        let path = "/templates/\(kind)/\(language)"
        do {
            if form["action"] == "save" {
                let _: APITemplate = try await client.send(.PUT, .notifications, path, body: draft, for: principal)
                return redirect(to: "\(path)?done=saved")
            }
            let preview = try await client.post(.notifications, path + "/preview", body: draft, as: APITemplatePreview.self, for: principal)
            return page(try await load(kind, language, principal: principal), state: state, preview: preview, notice: nil, signedIn: signedIn)
        } catch let problem as ServiceProblem where problem.status == 422 {
            state.absorb(problem, field: { Self.fieldOrder.contains($0) ? $0 : "subject" }, labels: ["subject": "Subject", "text": "Text", "html": "HTML"])
            return page(try await load(kind, language, principal: principal), state: state, preview: nil, notice: nil, signedIn: signedIn)
        }
    }

    private func load(_ kind: String, _ language: String, principal: Principal) async throws -> APITemplate {
        do {
            return try await client.get(.notifications, "/templates/\(kind)/\(language)", as: APITemplate.self, for: principal)
        } catch let problem as ServiceProblem where problem.status == 404 || problem.status == 400 {
            throw PageRefusal.notFound("template")
        }
    }

    private func page(_ template: APITemplate, state: FormState, preview: APITemplatePreview?, notice: String?, signedIn: SignedIn) -> Response {
        let content = EditContent(
            kind: template.kind, language: template.language, notice: notice, form: state.view(order: Self.fieldOrder),
            variables: template.variables.map { "{{\($0)}}" }, preview: preview,
            history: template.history.reversed().map {
                Version(version: $0.version, subject: $0.subject, edited: "\(DisplayTime.dateAndTime($0.editedAt, timeZone: "UTC")) by \($0.editedBy)")
            },
            hasHistory: !template.history.isEmpty
        )
        let title = "\(template.kind) (\(template.language))"
        return renderer.render(
            "template", title: state.hasErrors ? "Error: \(title)" : title, content: content, signedIn: signedIn, section: "/templates",
            status: state.hasErrors ? .unprocessableContent : .ok
        )
    }

    /// Kinds and languages are slugs; anything else is not a template page.
    static func target(_ context: ExamHallRequestContext) throws -> (String, String) {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-")
        guard let kind = context.parameters.get("kind"), let language = context.parameters.get("language"),
              !kind.isEmpty, kind.count <= 60, kind.unicodeScalars.allSatisfy(allowed.contains),
              !language.isEmpty, language.count <= 20, language.lowercased().unicodeScalars.allSatisfy(allowed.contains) else {
            throw PageRefusal.notFound("template")
        }
        return (kind, language)
    }
}
