import ArgumentParser
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// How many events each service has yet to publish, and how old the oldest is.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "Outbox backlog per service.")

    func run() async throws {
        let connection: PGConnection
        do {
            connection = try PGConnection.connect(url: try CLIEnvironment.value("EXAMHALL_DATABASE_URL"), schema: nil, applicationName: "examhall-cli")
        } catch let error as PostgresError {
            throw CLIError("cannot reach PostgreSQL: \(error.message)")
        }
        print("service".padding(toLength: 16, withPad: " ", startingAt: 0) + "unsent  oldest (s)")
        for service in QueuesCommand.services {
            let exists: Bool = try connection.query("SELECT to_regclass($1) IS NOT NULL AS e", ["\(service).outbox"])[0].decode("e")
            guard exists else {
                print(service.padding(toLength: 16, withPad: " ", startingAt: 0) + "-       -")
                continue
            }
            // The schema name comes from the fixed list above, never from input.
            let backlog = try OutboxBacklog.read(on: connection, table: "\(PGConnection.quoteIdentifier(service)).outbox")
            print(service.padding(toLength: 16, withPad: " ", startingAt: 0) + String(backlog.unsent).padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "%.1f", backlog.oldestAgeSeconds))
        }
    }
}
