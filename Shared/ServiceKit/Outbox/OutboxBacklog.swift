import ExamHallStorage

/// How many outbox rows wait to be published and how old the oldest is: the relay's gauges and the
/// CLI's `outbox` read the same numbers.
public struct OutboxBacklog: Sendable {
    public let unsent: Int
    public let oldestAgeSeconds: Double

    /// Reads `table`: `outbox` on a service's own connection, `"schema".outbox` from the admin's.
    public static func read(on connection: PGConnection, table: String = "outbox") throws -> OutboxBacklog {
        let row = try connection.query(
            "SELECT count(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age FROM \(table) WHERE sent_at IS NULL"
        )[0]
        return OutboxBacklog(unsent: try row.decode("n"), oldestAgeSeconds: try row.decode("age"))
    }
}
