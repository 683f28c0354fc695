import ExamHallStorage
import Foundation

/// CSR-edited templates and their history. A (kind, language) with no row uses the shipped default.
struct TemplateStore {
    let connection: PGConnection

    struct Stored: Sendable, Codable {
        var template: MessageTemplate
        var version: Int
        var updatedAt: Date
        var updatedBy: String
    }

    func custom(_ kind: NotificationKind, language: String) throws -> Stored? {
        try connection.query(
            "SELECT subject, text_body, html_body, version, updated_at, updated_by FROM templates WHERE kind = $1 AND language = $2",
            [kind.rawValue, language]
        ).first.map { row in
            Stored(
                template: MessageTemplate(subject: try row.decode("subject"), text: try row.decode("text_body"), html: try row.decode("html_body")),
                version: try row.decode("version"), updatedAt: try row.decode("updated_at"), updatedBy: try row.decode("updated_by")
            )
        }
    }

    /// The template in force: the CSRs' edit, else the shipped default; nil when neither exists.
    func effective(_ kind: NotificationKind, language: String) throws -> MessageTemplate? {
        try custom(kind, language: language)?.template ?? DefaultTemplates.template(kind, language: language)
    }

    /// The CSRs' edits of `kind`, by language.
    func edits(of kind: NotificationKind) throws -> [String: MessageTemplate] {
        var edits: [String: MessageTemplate] = [:]
        for row in try connection.query("SELECT language, subject, text_body, html_body FROM templates WHERE kind = $1", [kind.rawValue]) {
            edits[try row.decode("language")] = MessageTemplate(subject: try row.decode("subject"), text: try row.decode("text_body"), html: try row.decode("html_body"))
        }
        return edits
    }

    /// Every edited (kind, language) with its version.
    func allCustom() throws -> [String: (version: Int, updatedAt: Date, updatedBy: String)] {
        var found: [String: (Int, Date, String)] = [:]
        for row in try connection.query("SELECT kind, language, version, updated_at, updated_by FROM templates") {
            found["\(try row.decode("kind", as: String.self))/\(try row.decode("language", as: String.self))"] =
                (try row.decode("version"), try row.decode("updated_at"), try row.decode("updated_by"))
        }
        return found
    }

    /// Saves a new version and keeps it in the history; versions never repeat, even under concurrent edits.
    func save(_ template: MessageTemplate, kind: NotificationKind, language: String, by editor: String, at now: Date) throws -> Int {
        let version: Int = try connection.query(
            """
            INSERT INTO templates (kind, language, subject, text_body, html_body, version, updated_at, updated_by)
            VALUES ($1, $2, $3, $4, $5, 1, $6, $7)
            ON CONFLICT (kind, language) DO UPDATE SET subject = EXCLUDED.subject, text_body = EXCLUDED.text_body,
                html_body = EXCLUDED.html_body, version = templates.version + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            RETURNING version
            """,
            [kind.rawValue, language, template.subject, template.text, template.html, now, editor]
        ).first!.decode("version")
        try connection.execute(
            """
            INSERT INTO template_history (kind, language, version, subject, text_body, html_body, edited_at, edited_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [kind.rawValue, language, version, template.subject, template.text, template.html, now, editor]
        )
        return version
    }

    struct HistoryEntry: Codable, Sendable {
        var version: Int
        var subject: String
        var text: String
        var html: String
        var editedAt: Date
        var editedBy: String
    }

    func history(_ kind: NotificationKind, language: String) throws -> [HistoryEntry] {
        try connection.query(
            "SELECT version, subject, text_body, html_body, edited_at, edited_by FROM template_history WHERE kind = $1 AND language = $2 ORDER BY version DESC",
            [kind.rawValue, language]
        ).map { row in
            HistoryEntry(
                version: try row.decode("version"), subject: try row.decode("subject"), text: try row.decode("text_body"),
                html: try row.decode("html_body"), editedAt: try row.decode("edited_at"), editedBy: try row.decode("edited_by")
            )
        }
    }
}

/// Templates for the emails of one transaction: each kind's edits read once, not once per email. A
/// batch of events is rendered with the templates as they were when its first email of a kind was.
final class TemplateChooser {
    private let store: TemplateStore
    private var editsByKind: [NotificationKind: [String: MessageTemplate]] = [:]

    init(_ store: TemplateStore) { self.store = store }

    /// The language and template an email of `kind` goes out in, for a candidate who reads `requested`:
    /// that language (or its base, `fr-CA` → `fr`) when shipped or added by a CSR, else `fallback`; the
    /// CSRs' edit of it, else the shipped text, else the shipped English.
    func choose(_ kind: NotificationKind, for requested: String, fallback: String) throws -> (language: String, template: MessageTemplate) {
        let edits: [String: MessageTemplate]
        if let known = editsByKind[kind] {
            edits = known
        } else {
            edits = try store.edits(of: kind)
            editsByKind[kind] = edits
        }
        let language = TemplateVariables.language(for: requested, available: Set(DefaultTemplates.languages).union(edits.keys), default: fallback)
        let template = edits[language] ?? DefaultTemplates.template(kind, language: language) ?? DefaultTemplates.template(kind, language: "en")!
        return (language, template)
    }
}
