import ExamHallMessaging
import ExamHallStorage
import Foundation
import Logging

/// The real RabbitMQ and PostgreSQL that `scripts/stack start` runs. Tests that need them call
/// `TestStack.require()`, which fails loudly (never skips) when the stack is not there.
public enum TestStack {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The repository root, found from this file's path.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    /// The `EXAMHALL_*` variables `scripts/stack env NAME` prints for `name`; with `tls`, URLs of the
    /// servers' TLS listeners, verified against the stack's certificate authority.
    public static func environment(for name: String, tls: Bool = false) throws -> [String: String] {
        let output = try run(root.appendingPathComponent("scripts/stack").path, ["env", name] + (tls ? ["--tls"] : []))
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            result[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        return result
    }

    /// Empties `queues`, skipping those a new broker has not declared yet, so an interrupted earlier
    /// run's leftovers are not mistaken for this run's messages. (Asking about a missing queue closes
    /// the channel, so each question gets its own connection.)
    public static func purgeQueues(_ queues: [String]) throws {
        for queue in queues {
            let connection = try AMQPConnection.open(try amqp("admin"))
            defer { connection.close() }
            if (try? connection.declareQueue(queue, passive: true)) != nil { _ = try connection.purgeQueue(queue) }
        }
    }

    /// Messages in `queue` (ready ones: unacked messages count again once their consumer is gone).
    public static func queueDepth(_ queue: String) throws -> Int {
        let connection = try AMQPConnection.open(try amqp("admin"))
        defer { connection.close() }
        return try connection.declareQueue(queue, passive: true).messages
    }

    public static func amqp(_ name: String) throws -> AMQPEndpoint {
        guard let url = try environment(for: name)["EXAMHALL_AMQP_URL"] else { throw Failure(description: "no AMQP URL for \(name)") }
        return try AMQPEndpoint(url: url)
    }

    public static func databaseURL(_ name: String) throws -> String {
        guard let url = try environment(for: name)["EXAMHALL_DATABASE_URL"] else { throw Failure(description: "no database URL for \(name)") }
        return url
    }

    /// The URL of the role that owns `name`'s schema and migrates it.
    public static func databaseOwnerURL(_ name: String) throws -> String {
        guard let url = try environment(for: name)["EXAMHALL_DATABASE_OWNER_URL"] else { throw Failure(description: "no owner database URL for \(name)") }
        return url
    }

    /// A small pool on `service`'s schema as the schema's owner, for tests of ServiceKit's own tables
    /// that add scaffolding tables of their own (the service's role may not create tables).
    public static func databasePool(_ service: String, applicationName: String) throws -> DatabasePool {
        DatabasePool(
            settings: DatabaseSettings(url: try databaseOwnerURL(service), schema: service, applicationName: applicationName),
            size: 1, logger: Logger(label: "test")
        )
    }

    /// `url` with its port replaced, e.g. to send a client through a fault proxy.
    public static func replacingPort(of url: String, with port: Int) throws -> String {
        guard var components = URLComponents(string: url), components.port != nil else { throw Failure(description: "no port in \(url)") }
        components.port = port
        guard let replaced = components.string else { throw Failure(description: "cannot rebuild \(url)") }
        return replaced
    }

    /// The port in `url`: where the stack (as `scripts/stack env` says) listens.
    public static func port(of url: String) throws -> Int {
        guard let port = URLComponents(string: url)?.port else { throw Failure(description: "no port in \(url)") }
        return port
    }

    /// Checks both servers answer; the error says how to start them.
    public static func require() throws {
        do {
            let connection = try AMQPConnection.open(try amqp("admin"), connectTimeout: .seconds(3))
            connection.close()
        } catch {
            throw Failure(description: "RabbitMQ of the test stack is not reachable (\(error)). Start it with: scripts/stack start")
        }
        do {
            _ = try PGConnection.connect(url: try databaseURL("admin"), schema: nil, applicationName: "examhall-tests", connectTimeoutSeconds: 3)
        } catch {
            throw Failure(description: "PostgreSQL of the test stack is not reachable (\(error)). Start it with: scripts/stack start")
        }
    }

    /// A connection with full rights, for assertions that look across schemas.
    public static func adminDatabase() throws -> PGConnection {
        try PGConnection.connect(url: try databaseURL("admin"), schema: nil, applicationName: "examhall-tests")
    }

    /// Runs `scripts/stack` (e.g. `broker-restart`, `db-stop`) and waits for it.
    public static func control(_ arguments: String...) throws {
        _ = try run(root.appendingPathComponent("scripts/stack").path, arguments)
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let run = try Program.run(URL(fileURLWithPath: executable), arguments)
        guard run.status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited with \(run.status)")
        }
        return run.text
    }
}

/// An admin connection that reconnects after the database restarts, for tests that stop it.
public final class AdminDatabase: @unchecked Sendable {
    private var connection: PGConnection?

    public init() {}

    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> [PGRow] {
        if connection?.isHealthy != true { connection = try TestStack.adminDatabase() }
        do {
            return try connection!.query(sql, parameters)
        } catch let error as PostgresError where error.kind == .connection {
            connection = nil
            throw error
        }
    }
}
