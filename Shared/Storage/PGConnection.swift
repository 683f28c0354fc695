import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: whoever holds it uses it from one thread at a time
/// (the pool and `DedicatedConnection` guarantee that), hence `@unchecked Sendable`.
public final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statements are prepared once per connection and reused: parsing and planning are not free.
    private var preparedNames: [String: String] = [:]
    /// Channels this connection LISTENs on; a replacement connection starts with none.
    var listeningChannels: Set<String> = []
    /// When this connection last threw its cached plans away (see `planLifetime`).
    private var plansMadeAt = ContinuousClock.now

    /// How long a cached plan is used before it is made again. PostgreSQL switches a prepared statement
    /// to a generic plan after five runs and keeps it until the table's statistics change. One made
    /// while a table was known to be empty (just emptied and vacuumed) scans the table whole, also
    /// when it has grown to thousands of rows a second later, and foreign-key checks are cached the
    /// same way: batches became quadratic until the next autoanalyze, up to a minute later. Throwing
    /// the plans away once a second, between transactions, bounds that to a second, for one round
    /// trip a second on a busy connection. Planning every statement instead (`plan_cache_mode =
    /// force_custom_plan`) fixed it too, but cost ingestion 12 % in planning its foreign-key checks.
    public var planLifetime: Duration = .seconds(1)

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { PQfinish(handle) }

    /// Connects with a `postgres://` URL and pins the session to UTC, ISO dates and the service's schema.
    public static func connect(url: String, schema: String?, applicationName: String, connectTimeoutSeconds: Int = 5) throws -> PGConnection {
        // Without keepalives a connection to a server that vanished from the network (no FIN, no RST)
        // waits for a reply for hours. These come first so that the URL can still override them.
        let keywords = ["keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname", "application_name", "connect_timeout"]
        let values = ["15", "5", "3", "30000", url, applicationName, String(connectTimeoutSeconds)]
        let handle: OpaquePointer? = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else { throw PostgresError(kind: .connection, message: "out of memory creating a connection") }
        let connection = PGConnection(handle: handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(kind: .connection, message: connection.lastErrorMessage)
        }
        var setup = "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO'; SET client_min_messages = warning;"
        if let schema { setup += " SET search_path TO \(quoteIdentifier(schema));" }
        try connection.executeScript(setup)
        return connection
    }

    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// True while a transaction is open (or failed and not rolled back) on this connection.
    public var isInTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    var socket: Int32 { PQsocket(handle) }

    private var lastErrorMessage: String {
        String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs one parameterised statement. Parameters travel separately from the SQL text, always.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> PGResult {
        try replanIfDue()
        let name = try preparedName(for: sql, parameterCount: parameters.count)
        let texts = try parameterTexts(parameters)
        let result: OpaquePointer? = withOptionalCStringArray(texts) { values in
            PQexecPrepared(handle, name, Int32(texts.count), values, nil, nil, 0)
        }
        return try consume(result)
    }

    /// Rows of a parameterised query.
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> [PGRow] {
        try execute(sql, parameters).rows
    }

    /// Opens a transaction. `settings` (`SET LOCAL …`) travel with the BEGIN in one round trip and end
    /// with the transaction.
    public func begin(_ settings: [String] = []) throws {
        try replanIfDue()
        try executeScript((["BEGIN"] + settings).joined(separator: "; "))
    }

    /// Runs `body` inside BEGIN … COMMIT; any error rolls back and is rethrown. `settings` as for `begin`.
    public func transaction<T>(settings: [String] = [], _ body: () throws -> T) throws -> T {
        try begin(settings)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isHealthy { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Several statements in one string without parameters: migrations, session setup and `begin`.
    public func executeScript(_ sql: String) throws {
        // PQexec stops at the first failing statement and returns that error.
        _ = try consume(PQexec(handle, sql))
    }

    private func replanIfDue() throws {
        guard ContinuousClock.now - plansMadeAt >= planLifetime, !isInTransaction else { return }
        try executeScript("DISCARD PLANS")
        plansMadeAt = .now
    }

    private func preparedName(for sql: String, parameterCount: Int) throws -> String {
        if let name = preparedNames[sql] { return name }
        let name = "eh\(preparedNames.count + 1)"
        _ = try consume(PQprepare(handle, name, sql, Int32(parameterCount), nil))
        preparedNames[sql] = name
        return name
    }

    private func consume(_ result: OpaquePointer?) throws -> PGResult {
        guard let result else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: lastErrorMessage)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PGResult(result)
        default:
            func field(_ code: Character) -> String? {
                guard let pointer = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
                return String(cString: pointer)
            }
            let message = field("M") ?? String(cString: PQresultErrorMessage(result))
            let sqlState = field("C")
            let kind: PostgresError.Kind = (!isHealthy || sqlState?.hasPrefix("08") == true) ? .connection : .query
            throw PostgresError(kind: kind, message: message, sqlState: sqlState, detail: field("D"), constraint: field("n"))
        }
    }

    // MARK: - LISTEN/NOTIFY support (used only by NotificationListener on its own connection)

    func consumeInput() throws {
        if PQconsumeInput(handle) == 0 { throw PostgresError(kind: .connection, message: lastErrorMessage) }
    }

    func nextNotification() -> (channel: String, payload: String)? {
        guard let notification = PQnotifies(handle) else { return nil }
        defer { PQfreemem(notification) }
        return (String(cString: notification.pointee.relname), String(cString: notification.pointee.extra))
    }

    /// Quotes a trusted identifier (a schema name from code, never from input).
    public static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A finished statement's rows (copied out of libpq) and affected-row count.
public struct PGResult: Sendable {
    public let rows: [PGRow]
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        let fieldCount = Int(PQnfields(result))
        var columns: [String: Int] = [:]
        for index in 0..<fieldCount { columns[String(cString: PQfname(result, Int32(index)))] = index }
        let names = PGRow.Columns(indexes: columns)
        rows = (0..<Int(PQntuples(result))).map { row in
            let values: [String?] = (0..<fieldCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
            return PGRow(columns: names, values: values)
        }
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }
}

/// One result row; columns are read by name and decoded to the type asked for.
public struct PGRow: Sendable {
    final class Columns: Sendable {
        let indexes: [String: Int]
        init(indexes: [String: Int]) { self.indexes = indexes }
    }

    let columns: Columns
    let values: [String?]

    public func decode<T: PostgresDecodable>(_ column: String, as _: T.Type = T.self) throws -> T {
        guard let index = columns.indexes[column] else { throw PostgresDecodingError(column: column, reason: "is not in the result") }
        guard let text = values[index] else { return try T.fromNull(column: column) }
        do {
            return try T(postgresText: text)
        } catch let error as PostgresDecodingError {
            throw PostgresDecodingError(column: column, reason: error.reason)
        }
    }

    public subscript(column: String) -> String? {
        columns.indexes[column].flatMap { values[$0] }
    }
}

/// Parameters travel as C strings, which end at the first NUL: a value holding one would be stored cut
/// short without a word, so it is refused the way PostgreSQL refuses a NUL byte in text.
private func parameterTexts(_ parameters: [any PostgresEncodable]) throws -> [String?] {
    let texts = parameters.map(\.postgresText)
    for case let text? in texts where text.utf8.contains(0) {
        throw PostgresError(kind: .query, message: "a parameter contains the NUL character, which text cannot hold", sqlState: "22021")
    }
    return texts
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map(Optional.some), body)
}

/// A NULL-terminated array of C strings whose memory lives for the call; `nil` entries stay NULL.
private func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { duplicated.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicated.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
