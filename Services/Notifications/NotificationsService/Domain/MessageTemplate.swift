import ExamHallModels
import Foundation
import Mustache
import Synchronization

/// A notification's words in one language: a subject, a plain-text body and an HTML body, in Mustache.
public struct MessageTemplate: Sendable, Equatable, Codable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// A rendered email before it is wrapped in MIME.
public struct RenderedMessage: Sendable, Equatable, Codable {
    public var subject: String
    public var text: String
    public var html: String
}

/// One thing wrong with a template, and where: `part` is subject, text or html; lines and columns count from 1.
public struct TemplateIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public var part: String
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "\(part) line \(line), column \(column): \(message)" }
}

/// Compiles, checks and renders templates. Subjects and plain-text bodies are rendered as text (no
/// HTML escaping); HTML bodies escape every `{{value}}`.
public enum TemplateRenderer {
    /// Every problem with `template` for `kind`: Mustache syntax errors, unknown variables, partials
    /// (there are none to include) and a subject that is not one line. Empty means it can be saved.
    public static func validate(_ template: MessageTemplate, for kind: NotificationKind) -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        for (part, source) in [("subject", template.subject), ("text", template.text), ("html", template.html)] {
            if source.isBlank {
                issues.append(TemplateIssue(part: part, line: 1, column: 1, message: "must not be empty"))
                continue
            }
            do {
                _ = try compile(source, asText: part != "html")
            } catch let error as MustacheTemplate.ParserError {
                issues.append(TemplateIssue(
                    part: part, line: error.context.lineNumber - (part != "html" ? 1 : 0), column: error.context.columnNumber,
                    message: "does not compile: \(describe(error.error))"
                ))
                continue
            } catch {
                issues.append(TemplateIssue(part: part, line: 1, column: 1, message: "does not compile: \(error)"))
                continue
            }
            issues += unknownNames(in: source, part: part, allowed: Set(kind.variables))
        }
        if template.subject.contains(where: \.isNewline) {
            issues.append(TemplateIssue(part: "subject", line: 1, column: 1, message: "must be one line"))
        }
        return issues
    }

    /// Renders a template that `validate` accepted; values missing from `variables` render empty.
    public static func render(_ template: MessageTemplate, _ variables: [String: TemplateValue]) throws -> RenderedMessage {
        let context = variables.mapValues(\.mustacheValue)
        return RenderedMessage(
            subject: try compile(template.subject, asText: true).render(context).trimmed,
            text: try compile(template.text, asText: true).render(context),
            html: try compile(template.html, asText: false).render(context)
        )
    }

    private static func compile(_ source: String, asText: Bool) throws -> MustacheTemplate {
        let key = CompiledKey(source: source, asText: asText)
        if let compiled = compiled.withLock({ $0[key] }) { return compiled }
        // The pragma stands alone on the first line, so it adds a line and nothing else.
        let template = try MustacheTemplate(string: asText ? "{{% CONTENT_TYPE: TEXT}}\n" + source : source)
        compiled.withLock { cache in
            // Templates are few; a cache that outgrows them was fed drafts and previews: start over.
            if cache.count > 500 { cache.removeAll() }
            cache[key] = template
        }
        return template
    }

    private struct CompiledKey: Hashable {
        var source: String
        var asText: Bool
    }

    /// Compiled templates by source: every email of a kind and language reuses one.
    private static let compiled = Mutex<[CompiledKey: MustacheTemplate]>([:])

    private static func describe(_ error: Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: "a section is closed with a name it was not opened with"
        case .unfinishedName?: "a tag is not finished"
        case .expectedSectionEnd?: "a section is opened and never closed"
        case .invalidSetDelimiter?: "the delimiter change is malformed"
        default: "\(error)"
        }
    }

    /// Names in `{{…}}` tags that the kind does not define. Tags are found the way Mustache reads them
    /// with the standard delimiters; comments are ignored, `.` (the current item) is always allowed.
    static func unknownNames(in source: String, part: String, allowed: Set<String>) -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        for (lineIndex, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line[...]
            while let open = rest.range(of: "{{") {
                guard let close = rest[open.upperBound...].range(of: "}}") else { break }
                var tag = rest[open.upperBound..<close.lowerBound]
                var end = close.upperBound
                if tag.hasPrefix("{") {
                    tag = tag.dropFirst()
                    if rest[end...].hasPrefix("}") { end = rest.index(after: end) }
                }
                let column = line.distance(from: line.startIndex, to: open.lowerBound) + 1
                rest = rest[end...]
                var name = tag.trimmingCharacters(in: .whitespaces)
                guard let sigil = name.first else { continue }
                switch sigil {
                case "!", "%": continue
                case "=":
                    issues.append(TemplateIssue(part: part, line: lineIndex + 1, column: column, message: "changing delimiters is not supported"))
                    continue
                case ">", "<", "$":
                    issues.append(TemplateIssue(part: part, line: lineIndex + 1, column: column, message: "partials and blocks are not available in notification templates"))
                    continue
                case "#", "^", "/", "&":
                    name = String(name.dropFirst()).trimmingCharacters(in: .whitespaces)
                default: break
                }
                if name == "." || allowed.contains(name) { continue }
                issues.append(TemplateIssue(
                    part: part, line: lineIndex + 1, column: column,
                    message: "unknown variable '\(name)'; this kind knows \(allowed.sorted().joined(separator: ", "))"
                ))
            }
        }
        return issues
    }
}

extension TemplateValue {
    var mustacheValue: Any {
        switch self {
        case let .text(text): MustacheText(text: text)
        case let .flag(flag): flag
        }
    }
}

/// Text as the renderer sees it: shown as itself and, once a section (`{{#room}}…{{/room}}`) puts it on
/// the context stack, a parent without children. A plain String there would be searched for each name
/// inside the section by reflection (Mirror), which was most of the cost of rendering an email.
struct MustacheText: MustacheCustomRenderable, MustacheParent {
    let text: String
    var renderText: String { text }
    var isNull: Bool { false }
    func child(named: String) -> Any? { nil }
}
