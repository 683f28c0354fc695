import Foundation
import Logging

/// One numbered SQL file, e.g. `0001_init.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` in a folder, in version order; a badly named file is an error.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        let migrations = try files.map { file -> Migration in
            let base = file.deletingPathExtension().lastPathComponent
            let parts = base.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]) else {
                throw MigrationError.badFileName(file.lastPathComponent)
            }
            return Migration(version: version, name: String(parts[1]), sql: try String(contentsOf: file, encoding: .utf8))
        }.sorted { $0.version < $1.version }
        if let duplicate = Dictionary(grouping: migrations, by: \.version).first(where: { $0.value.count > 1 }) {
            throw MigrationError.duplicateVersion(duplicate.key)
        }
        return migrations
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)

    public var description: String {
        switch self {
        case let .badFileName(name): "migration file '\(name)' is not named NNNN_name.sql"
        case let .duplicateVersion(version): "two migrations share version \(version)"
        }
    }
}

/// Applies pending migrations of one component (the shared kit or a service) in the connection's schema.
/// An advisory lock serialises replicas starting together; each migration commits with its record.
public enum Migrator {
    public static func migrate(
        _ pool: DatabasePool, component: String, migrations: [Migration], logger: Logger
    ) async throws {
        try await pool.withConnection { connection in
            let lockKey = "examhall.migrations." + component
            try connection.execute("SELECT pg_advisory_lock(hashtext($1))", [lockKey])
            defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]) }
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    component text NOT NULL,
                    version integer NOT NULL,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (component, version)
                )
                """)
            let applied = Set(try connection.query(
                "SELECT version FROM schema_migrations WHERE component = $1", [component]
            ).map { try $0.decode("version", as: Int.self) })
            for migration in migrations where !applied.contains(migration.version) {
                try connection.begin()
                do {
                    try connection.executeScript(migration.sql)
                    try connection.execute(
                        "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                        [component, migration.version, migration.name]
                    )
                    try connection.execute("COMMIT")
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    throw error
                }
                logger.info("applied migration", metadata: ["component": "\(component)", "version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }
}
