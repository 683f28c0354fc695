import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Logging
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-23 10:00:00+00", 1_795_428_000.0),
        ("2026-11-23 10:00:00.5+00", 1_795_428_000.5),
        ("2026-11-23 11:00:00.123456+01", 1_795_428_000.123456),
        ("2026-11-23T10:00:00Z", 1_795_428_000.0),
        ("1969-12-31 23:59:59+00", -1.0),
        ("2024-02-29 00:00:00-05:30", 1_709_184_600.0),
    ])
    func parsesPostgresOutput(_ text: String, _ seconds: Double) throws {
        let date = try #require(PostgresTimestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test func formatsAsISO8601WithMicroseconds() {
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 1_795_428_000.123456)) == "2026-11-23T10:00:00.123456Z")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
    }

    @Test func formatRoundTrips() {
        for seconds in [0.0, 1_795_428_000.25, -86_400.5, 4_102_444_800.000_001] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(abs(PostgresTimestamp.parse(PostgresTimestamp.format(date))!.timeIntervalSince1970 - seconds) < 0.000_001)
        }
    }
}

/// libpq wrappers against the real server.
@Suite(.serialized) struct DatabaseTests {
    init() throws { try TestStack.require() }

    @Test func valuesRoundTripThroughTheServer() throws {
        let connection = try TestStack.adminDatabase()
        let now = Date(timeIntervalSince1970: 1_795_428_000.123456)
        let id = UUID()
        let row = try connection.query(
            "SELECT $1::text AS t, $2::bigint AS i, $3::timestamptz AS ts, $4::uuid AS u, $5::boolean AS b, $6::text AS n, $7::numeric AS d",
            ["it's \"quoted\" ; DROP TABLE x", 42, now, id, true, String?.none, Decimal(string: "19.99")!]
        )[0]
        #expect(try row.decode("t", as: String.self) == "it's \"quoted\" ; DROP TABLE x")
        #expect(try row.decode("i", as: Int.self) == 42)
        #expect(abs(try row.decode("ts", as: Date.self).timeIntervalSince(now)) < 0.000_001)
        #expect(try row.decode("u", as: UUID.self) == id)
        #expect(try row.decode("b", as: Bool.self))
        #expect(try row.decode("n", as: String?.self) == nil)
        #expect(try row.decode("d", as: Decimal.self) == Decimal(string: "19.99")!)
        #expect(throws: PostgresDecodingError.self) { try row.decode("n", as: String.self) }
        let array = try connection.query(
            "SELECT cardinality($1::text[]) AS n, ($1::text[])[2] AS quoted, ($1::text[])[4] AS backslash", [["a", "b\"c", "d,e", "f\\g"]]
        )[0]
        #expect(try array.decode("n", as: Int.self) == 4)
        #expect(try array.decode("quoted", as: String.self) == "b\"c")
        #expect(try array.decode("backslash", as: String.self) == "f\\g")
        let awkward: [String?] = ["NULL", nil, "", "é 🎓 {x}", "\\\""]
        let elements = try connection.query("SELECT e, e IS NULL AS missing FROM unnest($1::text[]) WITH ORDINALITY AS u(e, i) ORDER BY i", [awkward])
        #expect(try elements.map { try $0.decode("e", as: String?.self) } == awkward)
        #expect(try elements.map { try $0.decode("missing", as: Bool.self) } == [false, true, false, false, false])
    }

    @Test func aParameterHoldingANULIsRefusedRatherThanCutShort() throws {
        let connection = try TestStack.adminDatabase()
        let attempts: [() throws -> Void] = [
            { _ = try connection.query("SELECT $1::text AS t", ["before\u{0}after"]) },
            { try connection.execute("SELECT $1::text", ["x\u{0}"]) },
        ]
        for attempt in attempts {
            do {
                try attempt()
                Issue.record("a NUL reached PostgreSQL")
            } catch let error as PostgresError {
                #expect(error.sqlState == "22021")
                #expect(error.isUntranslatableText)
                #expect(!error.isTransient)
            }
        }
        // Nothing was left half-sent: the connection works as before.
        #expect(try connection.query("SELECT $1::text AS t", ["fine"])[0].decode("t", as: String.self) == "fine")
    }

    /// Readiness asks whether the database answers; cut off by the network, it must hear "no" within
    /// the limit rather than wait for TCP, and callers asking at once share the one round trip.
    @Test func aSilentDatabaseIsUnreachableWithinTheLimitAndReachableWhenItReturns() async throws {
        let stackURL = try TestStack.databaseURL("authorizations")
        let proxy = try FaultProxy(upstreamPort: try TestStack.port(of: stackURL))
        defer { proxy.shutdown() }
        let url = try TestStack.replacingPort(of: stackURL, with: proxy.port)
        let pool = DatabasePool(
            settings: DatabaseSettings(url: url, schema: "authorizations", applicationName: "reachability-test"), size: 2, logger: Logger(label: "test")
        )
        #expect(await pool.isReachable())
        proxy.blackhole()
        let answers = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 { group.addTask { await pool.isReachable(within: .milliseconds(500)) } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers == Array(repeating: false, count: 5))
        // Still silent: the round trip under way is older than the limit, so the answer is at once.
        #expect(await pool.isReachable(within: .milliseconds(500)) == false)
        proxy.heal()
        var reachable = false
        for _ in 0..<50 where !reachable {
            reachable = await pool.isReachable()
            if !reachable { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reachable, "the database answers again once the network is back")
        await pool.shutdown()
    }

    /// A plan cached while a table was known to be empty (a sequential scan) must not outlive the
    /// table's growth to thousands of rows by more than the connection's `planLifetime`.
    @Test func aPlanCachedWhileATableWasEmptyIsMadeAgainOnceTheTableHasGrown() throws {
        let connection = try PGConnection.connect(url: try TestStack.databaseOwnerURL("authorizations"), schema: "authorizations", applicationName: "plan-test")
        #expect(connection.planLifetime == .seconds(1))
        connection.planLifetime = .seconds(3600)  // until the hazard is shown, whatever the machine's pace
        let table = "plan_probe_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.executeScript("CREATE TABLE \(table) (id int PRIMARY KEY, payload text)")
        defer { try? connection.executeScript("DROP TABLE \(table)") }
        try connection.executeScript("VACUUM ANALYZE \(table)")
        let lookup = "SELECT payload FROM \(table) WHERE id = $1"
        for id in 1...10 { _ = try connection.query(lookup, [id]) }
        let name: String = try connection.query("SELECT name FROM pg_prepared_statements WHERE statement = $1", [lookup])[0].decode("name")
        let plan = { try connection.query("EXPLAIN EXECUTE \(name)(17)").map { try $0.decode("QUERY PLAN", as: String.self) }.joined(separator: "\n") }
        try connection.execute("INSERT INTO \(table) SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g")
        let cached = try plan()
        #expect(cached.contains("Seq Scan"), "the hazard: the generic plan made while the table was empty, still in use\n\(cached)")
        connection.planLifetime = .zero  // as if its second had passed
        let fresh = try plan()
        #expect(fresh.contains("Index Scan"), "made again for the table as it is now\n\(fresh)")
    }

    /// Settings given to a transaction hold inside it, end with it (committed or rolled back), and the
    /// transaction still commits or rolls back as a whole.
    @Test func aTransactionsSettingsHoldForItAlone() async throws {
        let pool = DatabasePool(
            settings: DatabaseSettings(url: try TestStack.databaseOwnerURL("authorizations"), schema: "authorizations", applicationName: "settings-test"),
            size: 1, logger: Logger(label: "test")
        )
        let table = "settings_probe_\(UUID().uuidString.prefix(8).lowercased())"
        try await pool.withConnection { try $0.executeScript("CREATE TABLE \(table) (id int PRIMARY KEY)") }
        @Sendable func mode(_ connection: PGConnection) throws -> String {
            try connection.query("SHOW plan_cache_mode")[0].decode("plan_cache_mode", as: String.self)
        }

        let inside = try await pool.transaction(settings: ["SET LOCAL plan_cache_mode = force_generic_plan", "SET LOCAL lock_timeout = '5s'"]) { connection in
            try connection.execute("INSERT INTO \(table) VALUES (1)")
            return (try mode(connection), try connection.query("SHOW lock_timeout")[0].decode("lock_timeout", as: String.self))
        }
        #expect(inside.0 == "force_generic_plan")
        #expect(inside.1 == "5s")
        await #expect(throws: PostgresError.self) {
            try await pool.transaction(settings: ["SET LOCAL plan_cache_mode = force_custom_plan"]) { connection in
                try connection.execute("INSERT INTO \(table) VALUES (2)")
                try connection.execute("INSERT INTO \(table) VALUES (1)")
            }
        }
        let after = try await pool.withConnection { connection in
            (try mode(connection), try connection.query("SELECT string_agg(id::text, ',' ORDER BY id) AS ids FROM \(table)")[0].decode("ids", as: String.self),
             connection.isInTransaction)
        }
        #expect(after.0 == "auto")
        #expect(after.1 == "1", "the first transaction committed, the second rolled back whole")
        #expect(after.2 == false)
        try await pool.withConnection { try $0.executeScript("DROP TABLE \(table)") }
        await pool.shutdown()
    }

    @Test func errorsAreClassified() throws {
        let connection = try TestStack.adminDatabase()
        do {
            try connection.execute("SELECT * FROM no_such_table")
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.kind == .query)
            #expect(error.sqlState == "42P01")
            #expect(!error.isTransient)
        }
        #expect(throws: PostgresError.self) {
            _ = try PGConnection.connect(url: "postgres://nobody:wrong@127.0.0.1:1/none", schema: nil, applicationName: "t", connectTimeoutSeconds: 1)
        }
    }

    @Test func migrationsApplyOnceEvenWhenRacing() async throws {
        let schema = "authorizations"
        let pool = DatabasePool(
            settings: DatabaseSettings(url: try TestStack.databaseOwnerURL(schema), schema: schema, applicationName: "migration-test"),
            size: 4, logger: Logger(label: "test")
        )
        let component = "test-\(UUID().uuidString.prefix(8))"
        let table = "migration_probe_\(UUID().uuidString.prefix(8).lowercased())"
        let migrations = [
            Migration(version: 1, name: "create", sql: "CREATE TABLE \(table) (id int)"),
            Migration(version: 2, name: "insert", sql: "INSERT INTO \(table) VALUES (1)"),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await Migrator.migrate(pool, component: component, migrations: migrations, logger: Logger(label: "test")) } }
            try await group.waitForAll()
        }
        let rows = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM \(table)")[0].decode("n", as: Int.self) }
        #expect(rows == 1)
        try await pool.withConnection { connection in
            try connection.execute("DROP TABLE \(table)")
            try connection.execute("DELETE FROM schema_migrations WHERE component = $1", [component])
        }
        await pool.shutdown()
    }
}
