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
        try PGConnection.connect(url: url, schema: schema, applicationName: applicationName)
    }
}
