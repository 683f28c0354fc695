import ExamHallTestSupport
import Foundation
import Testing

/// The docs cannot drift from the tools: every `examhall` command and option README's table names
/// exists, every option the CLI has is in that table, and the README's API example runs as written.
@Suite(.serialized) struct DocumentedCommandsTests {
    static let readme = (try? String(contentsOf: TestStack.root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    static var cli: URL { ServiceProcess.binaryDirectory.appendingPathComponent("examhall") }

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

    @Test func theReadmeAPIExampleRunsAsWritten() async throws {
        try TestStack.require()
        // The block as README prints it, with the test's build and port in place of `scripts/run`'s.
        let block = try #require(Self.readme.components(separatedBy: "```sh\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
            .first { $0.contains("examhall token") && $0.contains("curl") })
        #expect(block.contains(".build/release/examhall") && block.contains("127.0.0.1:8082"), "\(block)")
        let authorizations = ServiceProcess("authorizations", port: 18088)
        try await authorizations.start()
        defer { authorizations.stop() }
        let script = "set -euo pipefail\n" + block
            .replacingOccurrences(of: ".build/release/examhall", with: Self.cli.path)
            .replacingOccurrences(of: "127.0.0.1:8082", with: "127.0.0.1:\(authorizations.port)")
        let run = try Program.run(
            URL(fileURLWithPath: "/bin/bash"), ["-c", script], environment: ProcessInfo.processInfo.environment, capture: .standardOutput,
            in: TestStack.root
        )
        #expect(run.status == 0, "\(run.text)")
        let reply = try JSONSerialization.jsonObject(with: Data(run.text.utf8)) as? [String: Any]
        #expect(reply?["items"] is [Any], "the example lists Open authorizations: \(run.text)")
    }
}
