import AuthorizationsService
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import NotificationsService
import SessionsService
import Testing
import VerificationService

/// Each service runs on a role that may read and write its tables and nothing more: its schema's owner
/// applies the migrations, and the history and audit tables only ever gain rows.
@Suite(.serialized) struct DatabasePermissionsTests {
    static let descriptions = [
        SessionsService.description, AuthorizationsService.description, VerificationService.description, NotificationsService.description,
    ]

    /// A service's own role, on its schema after the service has migrated it (as the owner) and been granted its rights.
    static func serviceConnection(_ description: ServiceDescription) async throws -> PGConnection {
        let environment = try await ServiceHarness.environment(for: description)
        await environment.database.shutdown()
        return try PGConnection.connect(url: try TestStack.databaseURL(description.name), schema: description.name, applicationName: "permissions-test")
    }

    static func expectRefused(_ connection: PGConnection, _ statement: String, _ parameters: [any PostgresEncodable] = []) {
        do {
            try connection.execute(statement, parameters)
            Issue.record("the service's role could run: \(statement)")
        } catch let error as PostgresError {
            #expect(error.isPermissionDenied, "\(statement): \(error)")
        } catch {
            Issue.record("\(statement): \(error)")
        }
    }

    @Test(arguments: descriptions.map(\.name))
    func historyTablesTakeNewRowsButNeverChangeOrLoseOne(_ service: String) async throws {
        let description = try #require(Self.descriptions.first { $0.name == service })
        #expect(!description.appendOnlyTables.isEmpty)
        let connection = try await Self.serviceConnection(description)
        for table in description.appendOnlyTables {
            Self.expectRefused(connection, "UPDATE \(table) SET id = id")
            Self.expectRefused(connection, "DELETE FROM \(table)")
            Self.expectRefused(connection, "TRUNCATE \(table)")
            // Adding a line is what the service does all day.
            let rights = try connection.query(
                "SELECT has_table_privilege(current_user, $1, 'INSERT') AS insert, has_table_privilege(current_user, $1, 'SELECT') AS select",
                ["\(service).\(table)"]
            )[0]
            #expect(try rights.decode("insert", as: Bool.self) && rights.decode("select", as: Bool.self), "\(table)")
        }
    }

    @Test(arguments: descriptions.map(\.name))
    func aServiceRoleCannotChangeItsSchemaOrItsMigrationRecord(_ service: String) async throws {
        let connection = try await Self.serviceConnection(try #require(Self.descriptions.first { $0.name == service }))
        Self.expectRefused(connection, "CREATE TABLE \(service).intruder (id int)")
        Self.expectRefused(connection, "SELECT * FROM schema_migrations")
        Self.expectRefused(connection, "INSERT INTO schema_migrations (component, version, name) VALUES ('x', 999, 'x')")
        Self.expectRefused(connection, "TRUNCATE outbox")
        Self.expectRefused(connection, "ALTER TABLE outbox ADD COLUMN intruder int")
        Self.expectRefused(connection, "DROP TABLE inbox")
    }
}
