import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// CSRs' templates: `GET /templates`, `GET/PUT /templates/{kind}/{language}` (with history) and
/// `POST /templates/{kind}/{language}/preview`. A template that does not compile or uses a variable its
/// kind does not have is a 422 listing each problem with its part, line and column.
struct TemplatesController {
    let environment: ServiceEnvironment
    let settings: NotificationSettings

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/templates", use: list)
        router.get("/templates/:kind/:language", use: show)
        router.put("/templates/:kind/:language", use: save)
        router.post("/templates/:kind/:language/preview", use: preview)
    }

    struct Summary: Codable {
        var kind: NotificationKind
        var language: String
        var source: String
        var version: Int?
        var updatedAt: Date?
        var updatedBy: String?
    }

    struct SummaryList: ResponseEncodable, Codable {
        var items: [Summary]
        var defaultLanguage: String
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> SummaryList {
        try context.require(.admin, .csr)
        let custom = try await environment.database.withConnection { try TemplateStore(connection: $0).allCustom() }
        var items: [Summary] = []
        for kind in NotificationKind.allCases {
            let languages = Set(DefaultTemplates.languages).union(custom.keys.filter { $0.hasPrefix("\(kind.rawValue)/") }.map { String($0.split(separator: "/")[1]) })
            for language in languages.sorted() {
                let edit = custom["\(kind.rawValue)/\(language)"]
                items.append(Summary(kind: kind, language: language, source: edit == nil ? "default" : "custom", version: edit?.version, updatedAt: edit?.updatedAt, updatedBy: edit?.updatedBy))
            }
        }
        return SummaryList(items: items, defaultLanguage: settings.defaultLanguage)
    }

    struct Detail: ResponseEncodable, Codable {
        var kind: NotificationKind
        var language: String
        var source: String
        var version: Int?
        var subject: String
        var text: String
        var html: String
        var variables: [String]
        var history: [TemplateStore.HistoryEntry]
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Detail {
        try context.require(.admin, .csr)
        let (kind, language) = try target(context)
        let (custom, history) = try await environment.database.withConnection { connection in
            let store = TemplateStore(connection: connection)
            return (try store.custom(kind, language: language), try store.history(kind, language: language))
        }
        guard let template = custom?.template ?? DefaultTemplates.template(kind, language: language) else {
            throw Problem.notFound("a \(kind.rawValue) template in '\(language)'")
        }
        return Detail(
            kind: kind, language: language, source: custom == nil ? "default" : "custom", version: custom?.version, subject: template.subject,
            text: template.text, html: template.html, variables: kind.variables, history: history
        )
    }

    @Sendable func save(_ request: Request, context: ExamHallRequestContext) async throws -> Detail {
        let principal = try context.require(.admin, .csr)
        let (kind, language) = try target(context)
        let template = try await request.decode(as: MessageTemplate.self, context: context)
        try Self.refuseIfInvalid(template, kind: kind)
        let now = environment.clock()
        let editor = "\(principal.role.rawValue):\(principal.subject)"
        let (version, history) = try await environment.database.transaction { connection in
            let store = TemplateStore(connection: connection)
            let version = try store.save(template, kind: kind, language: language, by: editor, at: now)
            return (version, try store.history(kind, language: language))
        }
        environment.logger.info("template saved", metadata: ["kind": .string(kind.rawValue), "language": .string(language), "version": "\(version)", "by": .string(editor)])
        return Detail(
            kind: kind, language: language, source: "custom", version: version, subject: template.subject, text: template.text, html: template.html,
            variables: kind.variables, history: history
        )
    }

    /// A draft (the body) or the template in force, rendered with example values or the caller's.
    struct PreviewRequest: Decodable {
        var subject: String?
        var text: String?
        var html: String?
        var variables: [String: String]?
    }

    struct Preview: ResponseEncodable, Codable {
        var kind: NotificationKind
        var language: String
        var subject: String
        var text: String
        var html: String
        var variables: [String: String]
    }

    @Sendable func preview(_ request: Request, context: ExamHallRequestContext) async throws -> Preview {
        try context.require(.admin, .csr)
        let (kind, language) = try target(context)
        let body = try await request.decodeIfPresent(as: PreviewRequest.self, context: context, upTo: 1_000_000) ?? PreviewRequest()
        let current = try await environment.database.withConnection { try TemplateStore(connection: $0).effective(kind, language: language) }
        // A draft replaces parts of the template in force; in a language without one, it must bring all three.
        let draft: MessageTemplate
        if let current {
            draft = MessageTemplate(subject: body.subject ?? current.subject, text: body.text ?? current.text, html: body.html ?? current.html)
        } else if let subject = body.subject, let text = body.text, let html = body.html {
            draft = MessageTemplate(subject: subject, text: text, html: html)
        } else {
            throw Problem.notFound("a \(kind.rawValue) template in '\(language)'")
        }
        try Self.refuseIfInvalid(draft, kind: kind)
        var values = kind.sampleVariables
        var v = Validator()
        for (name, value) in body.variables ?? [:] {
            if kind.variables.contains(name) { values[name] = .text(value) } else { v.fail("variables.\(name)", "is not a variable of \(kind.rawValue)") }
        }
        try v.throwIfInvalidAsProblem()
        let rendered = try TemplateRenderer.render(draft, values)
        return Preview(
            kind: kind, language: language, subject: rendered.subject, text: rendered.text, html: rendered.html,
            variables: values.mapValues { value in
                switch value {
                case let .text(text): text
                case let .flag(flag): flag ? "true" : "false"
                }
            }
        )
    }

    static func refuseIfInvalid(_ template: MessageTemplate, kind: NotificationKind) throws {
        let issues = TemplateRenderer.validate(template, for: kind)
        guard !issues.isEmpty else { return }
        throw Problem(
            .unprocessableContent, type: "invalid-template", detail: issues.map(\.description).joined(separator: "; "),
            extra: ["errors": .array(issues.map {
                .object(["field": .string($0.part), "line": .int($0.line), "column": .int($0.column), "message": .string($0.message)])
            })]
        )
    }

    private func target(_ context: ExamHallRequestContext) throws -> (NotificationKind, String) {
        let kindText = context.parameters.get("kind") ?? ""
        guard let kind = NotificationKind(rawValue: kindText) else {
            throw Problem.notFound("notification kind '\(kindText)' (kinds: \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let language = (context.parameters.get("language") ?? "").lowercased()
        guard Formats.isLanguageTag(language) else {
            throw Problem(.unprocessableContent, type: "validation-failed", detail: "'\(language)' is not a language tag such as 'en' or 'fr-ca'")
        }
        return (kind, language)
    }
}
