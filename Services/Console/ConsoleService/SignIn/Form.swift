import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, read as the browser sent it.
struct Form: Sendable {
    private var fields: [String: [String]]

    init(_ fields: [String: [String]] = [:]) { self.fields = fields }

    static func read(_ request: Request, context: some RequestContext) async throws -> Form {
        let body = try await request.body.collect(upTo: 256 * 1024)
        return Form(urlEncoded: String(buffer: body))
    }

    init(urlEncoded text: String) {
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            fields[decode(name), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        self.fields = fields
    }

    /// The first value, or nil when the field is missing.
    subscript(name: String) -> String? { fields[name]?.first }

    /// The first value with surrounding spaces removed; nil when missing or blank.
    func text(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    func all(_ name: String) -> [String] { fields[name] ?? [] }
}
