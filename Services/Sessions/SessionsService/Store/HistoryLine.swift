import ExamHallStorage
import Foundation

/// A line of a booking's or a session's history: when, who, what, and the values before and after as
/// the JSON objects stored.
struct HistoryLine: Sendable {
    var at: Date
    var actor: String
    var change: String
    var before: String?
    var after: String

    /// The columns both history tables are read with.
    static let columns = "at, actor, change, before::text AS before, after::text AS after"

    init(at: Date, actor: String, change: String, before: String?, after: String) {
        self.at = at
        self.actor = actor
        self.change = change
        self.before = before
        self.after = after
    }

    init(_ row: PGRow) throws {
        self.init(at: try row.decode("at"), actor: try row.decode("actor"), change: try row.decode("change"), before: try row.decode("before"), after: try row.decode("after"))
    }
}
