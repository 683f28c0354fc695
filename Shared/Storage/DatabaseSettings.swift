/// Where and as whom a service reaches PostgreSQL.
public struct DatabaseSettings: Sendable {
    public var url: String
    /// The service's own schema: every connection's `search_path`.
    public var schema: String
    public var applicationName: String

    public init(url: String, schema: String, applicationName: String) {
        self.url = url
        self.schema = schema
        self.applicationName = applicationName
    }

    func connect() throws -> PGConnection {
        let connection = try PGConnection.connect(url: url, schema: schema, applicationName: applicationName)
        // Every statement is prepared once per connection, and a connection lives for hours. Left to
        // itself, PostgreSQL switches a prepared statement to a generic plan after five runs and keeps
        // it until the table's statistics change. A plan made while a table was known to be empty (just
        // emptied and vacuumed) scans it whole, also when it has grown to thousands of rows a second
        // later, and foreign-key checks are cached the same way: batches became quadratic until the
        // next autoanalyze. Planned each time, a statement fits the table as it is; scripts/bench
        // measured this as fast or faster than the cached plans in every run (docs/BENCHMARKS.md).
        try connection.executeScript("SET plan_cache_mode = force_custom_plan")
        return connection
    }
}
