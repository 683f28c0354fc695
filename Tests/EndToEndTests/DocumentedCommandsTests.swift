import ExamHallTestSupport
import ExamHallStorage
import Foundation
import Testing

/// The docs cannot drift from the tools: every `examhall` command and option README's table names
/// exists, every option the CLI has is in that table, and every shell block of README and operations.md
/// runs as written, or says beside it why it cannot run here.
@Suite(.serialized) struct DocumentedCommandsTests {
    static let readme = document("README.md")
    static var cli: URL { ServiceProcess.binaryDirectory.appendingPathComponent("examhall") }

    static func document(_ path: String) -> String {
        (try? String(contentsOf: TestStack.root.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }

    /// The documents whose shell blocks are run, and the phrase by which each test below finds its block.
    static let runBlocks = [
        "README.md": ["'http://127.0.0.1:8082/authorizations?status=open'", "examhall seed purchases --prefix $P"],
        "docs/operations.md": ["pg_restore"],
    ]
    static let notRunMarker = "<!-- not run by the tests: "

    /// A ```sh block, and the reason the line above it gives for not running it, if it gives one.
    struct ShellBlock {
        let text: String
        let reasonNotRun: String?
    }

    static func shellBlocks(_ path: String) -> [ShellBlock] {
        var blocks: [ShellBlock] = []
        var lines = document(path).components(separatedBy: "\n")[...]
        var previous = ""
        while let line = lines.popFirst() {
            if line == "```sh" {
                let body = lines.prefix { $0 != "```" }
                lines = lines.dropFirst(body.count + 1)
                let reason = previous.hasPrefix(notRunMarker) ? String(previous.dropFirst(notRunMarker.count).dropLast(" -->".count)) : nil
                blocks.append(ShellBlock(text: body.joined(separator: "\n") + "\n", reasonNotRun: reason))
            }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { previous = line }
        }
        return blocks
    }

    /// The one block of `path` holding `phrase`.
    static func block(_ path: String, holding phrase: String) throws -> String {
        let matches = shellBlocks(path).filter { $0.text.contains(phrase) }
        try #require(matches.count == 1, "\(path) has \(matches.count) shell blocks holding \(phrase)")
        return matches[0].text
    }

    /// Runs a documented block with bash as a reader would, from the checkout, with this build's CLI in
    /// place of `scripts/run`'s release build and the test's ports in place of the documented ones.
    static func run(_ block: String, ports: [Int: Int] = [:], environment: [String: String] = [:], in directory: URL = TestStack.root,
        capture: Program.Capture = .both
    ) throws -> ProgramRun {
        // On failure, the command and the ids the walks keep: a failed `SID=$(…)` holds the reply that failed.
        let trap = #"trap 'echo "failed at line $LINENO: $BASH_COMMAND" >&2; declare -p LOC SID AUTH PID P BACKUP >&2 2>/dev/null || true' ERR"#
        var script = "set -euo pipefail\n\(trap)\n" + block.replacingOccurrences(of: ".build/release/examhall", with: cli.path)
        for (documented, actual) in ports {
            script = script.replacingOccurrences(of: "127.0.0.1:\(documented)", with: "127.0.0.1:\(actual)")
        }
        // A walk that waits for something that never comes fails rather than hanging the suite.
        return try Program.run(
            URL(fileURLWithPath: "/usr/bin/timeout"), ["120", "/bin/bash", "-c", script],
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, capture: capture, in: directory
        )
    }

    /// Every leaf command of the CLI, e.g. `["dead", "list"]`, read from its own help.
    static func commands() throws -> [[String]] {
        func subcommands(_ path: [String]) throws -> [String] {
            let help = try Program.run(cli, path + ["--help"], capture: .both).text
            guard let section = help.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
            return section.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first,
                      word.allSatisfy({ $0.isLowercase || $0 == "-" }) else { return nil }
                return String(word)
            }
        }
        var leaves: [[String]] = []
        for command in try subcommands([]) {
            let nested = try subcommands([command])
            leaves += nested.isEmpty ? [[command]] : nested.map { [command, $0] }
        }
        return leaves
    }

    /// The options `examhall COMMAND` takes, from its usage line.
    static func options(_ command: [String]) throws -> Set<String> {
        let help = try Program.run(cli, command + ["--help"], capture: .both).text
        return Set(help.matches(of: /--[a-z][a-z-]*/).map { String($0.output) }).subtracting(["--help"])
    }

    /// README's table row for `examhall COMMAND`.
    static func row(_ command: [String]) -> String? {
        readme.split(separator: "\n").first { $0.hasPrefix("| `examhall \(command.joined(separator: " "))") }.map(String.init)
    }

    @Test func everyCommandAndOptionIsInReadmeAndEveryDocumentedOneExists() throws {
        let commands = try Self.commands()
        #expect(commands.count >= 11, "the CLI's commands were read: \(commands)")
        for command in commands {
            let name = command.joined(separator: " ")
            guard let row = Self.row(command) else {
                Issue.record("README's CLI table has no row for examhall \(name)")
                continue
            }
            // Columns are split by " | "; a `\|` inside the command cell is part of it.
            let cell = row.components(separatedBy: " | ").first ?? ""
            let documented = Set(cell.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
            let actual = try Self.options(command)
            #expect(actual.subtracting(documented).isEmpty, "examhall \(name): \(actual.subtracting(documented).sorted()) missing from README")
            #expect(documented.subtracting(actual).isEmpty, "examhall \(name): README names \(documented.subtracting(actual).sorted()), which it does not take")
        }
    }

    @Test func everyShellBlockIsRunHereOrSaysWhyNot() throws {
        for (path, phrases) in Self.runBlocks {
            let blocks = Self.shellBlocks(path)
            #expect(!blocks.isEmpty, "\(path) was read")
            for block in blocks {
                let runBy = phrases.filter { block.text.contains($0) }
                if let reason = block.reasonNotRun {
                    #expect(!reason.isEmpty && runBy.isEmpty, "\(path): a block says why it is not run, yet a test runs it:\n\(block.text)")
                } else {
                    #expect(runBy.count == 1, "\(path): no test runs this block, and the line above it does not say why (\(Self.notRunMarker)…):\n\(block.text)")
                }
            }
            for phrase in phrases {
                #expect(blocks.filter { $0.text.contains(phrase) }.count == 1, "\(path): one block holds \(phrase)")
            }
        }
    }

    @Test func theReadmeAPIExampleRunsAsWritten() async throws {
        try TestStack.require()
        let block = try Self.block("README.md", holding: "'http://127.0.0.1:8082/authorizations?status=open'")
        #expect(block.contains(".build/release/examhall"), "\(block)")
        let authorizations = ServiceProcess("authorizations", port: 18088)
        try await authorizations.start()
        defer { authorizations.stop() }
        let run = try Self.run(block, ports: [8082: authorizations.port], capture: .standardOutput)
        #expect(run.status == 0, "\(run.text)")
        let reply = try JSONSerialization.jsonObject(with: Data(run.text.utf8)) as? [String: Any]
        #expect(reply?["items"] is [Any], "the example lists Open authorizations: \(run.text)")
    }

    /// The CSR's walk: an exam, a location, a public and a private session, a purchase become an
    /// authorization assigned to the private session, a proctor staffing it and the calendar.
    @Test func theCSRWalkthroughRunsAsWritten() async throws {
        try TestStack.require()
        let block = try Self.block("README.md", holding: "examhall seed purchases --prefix $P")
        let sessions = ServiceProcess("sessions", port: 18091)
        let authorizations = ServiceProcess("authorizations", port: 18092)
        try await sessions.start()
        defer { sessions.stop() }
        try await authorizations.start()
        defer { authorizations.stop() }

        let run = try Self.run(block + "printf '\\nWALKED %s %s %s\\n' \"$SID\" \"$AUTH\" \"$PID\"\n", ports: [8081: sessions.port, 8082: authorizations.port])
        #expect(run.status == 0, "\(run.text)")
        let walked = try #require(run.text.split(separator: "\n").last { $0.hasPrefix("WALKED ") }, "\(run.text)").split(separator: " ").map(String.init)
        try #require(walked.count == 4, "\(walked)")
        let (sessionId, authorizationId, proctorId) = (walked[1], walked[2], walked[3])

        let token = try Program.run(Self.cli, ["token", "--role", "csr", "--subject", "docs-check"], environment: try TestStack.environment(for: "admin"))
            .text.trimmingCharacters(in: .whitespacesAndNewlines)
        let session = try JSONSerialization.jsonObject(with: try await sessions.get("/sessions/\(sessionId)", token: token).body) as? [String: Any]
        let proctors = (session?["proctors"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(proctors == [proctorId], "the proctor staffs the private session: \(session ?? [:])")
        let bookings = try JSONSerialization.jsonObject(with: try await sessions.get("/bookings?sessionId=\(sessionId)", token: token).body) as? [String: Any]
        let booked = (bookings?["items"] as? [[String: Any]] ?? []).compactMap { $0["authorizationId"] as? String }
        #expect(booked == [authorizationId], "the authorization is booked into it: \(bookings ?? [:])")
        var status: String?
        for _ in 0..<100 where status != "assigned" {
            let authorization = try JSONSerialization.jsonObject(with: try await authorizations.get("/authorizations/\(authorizationId)", token: token).body)
            status = (authorization as? [String: Any])?["status"] as? String
            if status != "assigned" { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == "assigned", "the authorizations service marks it Assigned")
    }

    /// operations.md's backup and restore, on a database of its own: the restore rebuilds what the backup held.
    @Test func theBackupAndRestoreRunAsWritten() throws {
        try TestStack.require()
        let block = try Self.block("docs/operations.md", holding: "pg_restore")
        let admin = try TestStack.adminDatabase()
        let scratch = "examhall_docs_backup"
        _ = try admin.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)")
        _ = try admin.execute("CREATE DATABASE \(scratch)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)") }
        let adminURL = try TestStack.databaseURL("admin")
        let url = String(adminURL[..<(try #require(adminURL.lastIndex(of: "/")))]) + "/\(scratch)"
        let database = try PGConnection.connect(url: url, schema: nil, applicationName: "examhall-tests")
        try database.executeScript("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from before the backup');")
        let before = try database.query("SELECT 'kept'::regclass::oid::bigint AS oid")[0].decode("oid", as: Int64.self)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-backup-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.run(block, environment: ["EXAMHALL_DATABASE_URL": url], in: directory)
        #expect(run.status == 0, "\(run.text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasPrefix("examhall-") && $0.hasSuffix(".dump") })
        let after = try database.query("SELECT 'kept'::regclass::oid::bigint AS oid, (SELECT note FROM kept) AS note")
        #expect(try after[0].decode("note", as: String.self) == "from before the backup")
        #expect(try after[0].decode("oid", as: Int64.self) != before, "the restore dropped the table and made it again from the backup")
    }
}
