import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// schemathesis generates requests from each service's OpenAPI document (examples, boundary values,
/// random and invalid data, sequences of calls) and sends them to the running executable as staff and
/// as a candidate: no request may get a server error. The seed is fixed so a failure replays.
@Suite(.serialized) struct OpenAPIFuzzTests {
    static let jwtSecret = "openapi-fuzz-secret-\(UUID().uuidString)"
    static let schemathesis = TestStack.root.appendingPathComponent(".stack/python/bin/schemathesis")

    init() throws { try TestStack.require() }

    @Test(arguments: [("sessions", 18250), ("authorizations", 18251), ("verification", 18252), ("notifications", 18253)])
    func noGeneratedRequestGetsAServerError(_ service: String, _ port: Int) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.schemathesis.path), "\(Self.schemathesis.path) is missing; run scripts/stack start")
        let process = ServiceProcess(service, port: port, environment: ["EXAMHALL_JWT_SECRET": Self.jwtSecret])
        try await process.start()
        defer { process.stop() }
        // The fuzzer edits templates as an admin may (a subject of "0", a made-up language). Left behind,
        // they would be what every later booking email on this stack is written with, so the CSRs'
        // templates are put back as they were.
        let templates = service == "notifications" ? try TemplateSnapshot() : nil
        defer { templates?.restore() }
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        for principal in [Principal(subject: "admin-fuzz", role: .admin), Principal(subject: "cand-fuzz", role: .candidate)] {
            let token = try await TokenAuthority(secret: Self.jwtSecret).sign(principal, validFor: 3600)
            let run = try Program.run(Self.schemathesis, [
                "run", TestStack.root.appendingPathComponent("docs/openapi/\(service).yaml").path,
                "--url", "http://127.0.0.1:\(process.port)", "--header", "Authorization: Bearer \(token)",
                "--checks", "not_a_server_error", "--max-examples", "20", "--seed", "20261124", "--no-color",
            ], capture: .both, in: workDirectory)
            let text = run.text
            #expect(run.status == 0, "schemathesis found server errors in \(service) as \(principal.role.rawValue):\n\(text.suffix(3000))")
            #expect(text.contains(" passed"), "schemathesis ran no test cases against \(service): \(text.suffix(1000))")
            #expect(process.isRunning, "examhall-\(service) stopped under schemathesis: \(process.logTail(5))")
        }
    }
}

/// The notifications service's edited templates and their history at one moment, to put back after a
/// test that edits them. Both go back together: a version is unique per template in the history, so
/// templates put back without it would have their next edit refused.
struct TemplateSnapshot {
    static let tables = ["notifications.templates", "notifications.template_history"]
    let admin: AdminDatabase
    let rows: [String]

    init() throws {
        let admin = AdminDatabase()
        rows = try Self.tables.map { table in
            try admin.query("SELECT coalesce(json_agg(t), '[]')::text AS rows FROM \(table) t")[0].decode("rows")
        }
        self.admin = admin
    }

    func restore() {
        do {
            for (table, rows) in zip(Self.tables, rows) {
                _ = try admin.query("DELETE FROM \(table) RETURNING 1")
                _ = try admin.query("INSERT INTO \(table) SELECT * FROM json_populate_recordset(NULL::\(table), $1::json) RETURNING 1", [rows])
            }
        } catch {
            Issue.record("the notifications templates could not be put back: \(error)")
        }
    }
}
