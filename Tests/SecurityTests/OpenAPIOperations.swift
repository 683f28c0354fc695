import Foundation

/// The operations our OpenAPI documents publish, with the roles each admits (`x-roles`), read from
/// `docs/openapi/NAME.yaml`. The reader knows the layout we write those documents in (paths at two
/// spaces, methods at four, `x-roles` on the line after the method, `security: []` on the method's
/// line or among its fields for public operations); anything else in the file is skipped, and an operation without either is reported.
struct DocumentedOperation: CustomStringConvertible, Sendable {
    let service: String
    let method: String
    let path: String
    /// nil for public operations (`security: []`).
    let roles: Set<String>?

    var description: String { "\(service): \(method.uppercased()) \(path)" }

    /// The path with every `{parameter}` filled: kinds and languages with real ones, ids with fresh
    /// UUIDs, so a handler that is reached answers for an entity that does not exist.
    var samplePath: String {
        path.replacingOccurrences(of: "{kind}", with: "booking-confirmed")
            .replacingOccurrences(of: "{language}", with: "en")
            .replacingOccurrences(of: #"\{[A-Za-z]+\}"#, with: UUID().uuidString.lowercased(), options: .regularExpression)
    }

    static func documented(by service: String) throws -> [DocumentedOperation] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let text = try String(contentsOf: url.appendingPathComponent("docs/openapi/\(service).yaml"), encoding: .utf8)

        var operations: [DocumentedOperation] = []
        var inPaths = false
        var path: String?
        var pending: (method: String, inline: String)?
        func finish(roles: Set<String>?) {
            if let method = pending?.method, let path { operations.append(.init(service: service, method: method, path: path, roles: roles)) }
            pending = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.hasPrefix(" "), !line.isEmpty { break }
            if let match = captures(Self.pathLine, line) {
                path = match[0]
            } else if let match = captures(Self.methodLine, line) {
                if pending != nil { throw Failure(description: "\(service): \(pending!.method) \(path ?? "") has neither x-roles nor security: []") }
                pending = (match[0], match[1])
                if pending!.inline.contains("security: []") { finish(roles: nil) }
            } else if pending != nil, line.hasPrefix("      security: []") {
                finish(roles: nil)
            } else if let match = captures(Self.rolesLine, line), pending != nil {
                finish(roles: Set(match[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))
            }
        }
        if pending != nil { throw Failure(description: "\(service): \(pending!.method) \(path ?? "") has neither x-roles nor security: []") }
        return operations
    }

    private static let pathLine = try! NSRegularExpression(pattern: #"^  (/\S*):\s*$"#)
    private static let methodLine = try! NSRegularExpression(pattern: #"^    (get|post|put|patch|delete):(.*)$"#)
    private static let rolesLine = try! NSRegularExpression(pattern: #"^      x-roles: \[(.*)\]\s*$"#)

    /// The groups `expression` captures when it matches `line`, nil when it does not.
    private static func captures(_ expression: NSRegularExpression, _ line: String) -> [String]? {
        guard let match = expression.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
        return (1..<match.numberOfRanges).map { index in Range(match.range(at: index), in: line).map { String(line[$0]) } ?? "" }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }
}
