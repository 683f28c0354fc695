/// A failure talking to PostgreSQL, classified so callers know whether retrying can help.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection died: the server may be down or restarting.
        case connection
        /// The server refused a statement.
        case query
    }

    public let kind: Kind
    public let message: String
    public let sqlState: String?
    public let detail: String?
    public let constraint: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
    }

    /// Worth retrying the whole unit of work later, unchanged: the server is away, short of resources or
    /// read-only for a while, or asked us to try again. Such a failure says nothing about the message.
    public var isTransient: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        return Self.transientClasses.contains(where: sqlState.hasPrefix) || Self.transientStates.contains(sqlState)
    }

    /// 08: connection exception; 53: insufficient resources (disk full, out of memory, too many
    /// connections); 58: system error (I/O).
    static let transientClasses = ["08", "53", "58"]
    /// 40001/40P01: serialization failure, deadlock; 57P01–57P03: shutdown, restart, cannot connect now;
    /// 57014: statement timeout; 25006: read-only transaction (a standby, or right after a failover);
    /// 55P03: lock not available.
    static let transientStates: Set<String> = ["40001", "40P01", "57P01", "57P02", "57P03", "57014", "25006", "55P03"]

    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Text the database cannot store (a NUL character): the caller's input, never worth a retry.
    public var isUntranslatableText: Bool { sqlState == "22021" || sqlState == "22P05" }
    public var isPermissionDenied: Bool { sqlState == "42501" }

    public var description: String {
        var text = "PostgreSQL \(kind == .connection ? "connection" : "query") error"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " (\(detail))" }
        return text
    }
}
