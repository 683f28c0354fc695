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

    /// Worth retrying the whole unit of work: the server is away or asked us to try again.
    public var isTransient: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        // 08: connection exception; 40001/40P01: serialization failure, deadlock; 57P0x: shutdown/restart;
        // 53300: too many connections; 55P03: lock not available.
        return sqlState.hasPrefix("08") || ["40001", "40P01", "57P01", "57P02", "57P03", "53300", "55P03"].contains(sqlState)
    }

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
