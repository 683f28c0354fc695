import ExamHallModels
import Foundation

/// RFC 7386 JSON merge patch: fields in the patch replace the current ones, `null` removes one, nested
/// objects merge. The result is decoded back into the resource's type, so it is validated like a new one.
public enum MergePatch {
    public static func apply<T: Codable>(_ patch: Data, to current: T) throws -> T {
        guard !NULCharacter.isEscaped(in: patch) else { throw Problem.nulCharacter }
        guard let changes = try? JSONSerialization.jsonObject(with: patch) as? [String: Any] else {
            throw Problem(.badRequest, type: "invalid-request", detail: "the body must be a JSON object (application/merge-patch+json)")
        }
        let base = try JSONSerialization.jsonObject(with: EventCoding.encoder.encode(current)) as? [String: Any] ?? [:]
        let merged = try JSONSerialization.data(withJSONObject: merge(base, changes))
        do {
            return try EventCoding.decoder.decode(T.self, from: merged)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            throw Problem(.badRequest, type: "invalid-request", detail: "\(path(context.codingPath)) \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw Problem(.unprocessableContent, type: "validation-failed", detail: "\(path(context.codingPath + [key])) cannot be removed")
        } catch let DecodingError.valueNotFound(_, context) {
            throw Problem(.unprocessableContent, type: "validation-failed", detail: "\(path(context.codingPath)) cannot be removed")
        }
    }

    static func merge(_ base: [String: Any], _ changes: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in changes {
            if value is NSNull {
                result.removeValue(forKey: key)
            } else if let object = value as? [String: Any], let current = base[key] as? [String: Any] {
                result[key] = merge(current, object)
            } else {
                result[key] = value
            }
        }
        return result
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }
}
