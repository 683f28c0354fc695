import ExamHallModels
import Foundation

/// What a session's history line says changed: the settings that differ, before and after. Pure.
public enum SessionHistory {
    /// The settings of `before` and `after` (as `PATCH /sessions` names them) that differ, each side as a
    /// JSON object; a setting that was cleared is `null` on its side.
    public static func changes(from before: SessionDraft, to after: SessionDraft) throws -> (before: String, after: String) {
        let old = try object(before), new = try object(after)
        var was: [String: Any] = [:], now: [String: Any] = [:]
        for key in Set(old.keys).union(new.keys) where try json(old[key]) != json(new[key]) {
            was[key] = old[key] ?? NSNull()
            now[key] = new[key] ?? NSNull()
        }
        return (try text(was), try text(now))
    }

    /// All of a new session's settings.
    public static func settings(of draft: SessionDraft) throws -> String {
        try text(try object(draft))
    }

    public static func text(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    private static func object(_ draft: SessionDraft) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try EventCoding.encoder.encode(draft)) as? [String: Any] ?? [:]
    }

    private static func json(_ value: Any?) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys]), as: UTF8.self)
    }
}
