import ExamHallModels
import ExamHallStorage
import Foundation
import Logging

/// Creates the first admin from `EXAMHALL_CONSOLE_ADMIN_EMAIL` and `…_PASSWORD` when no admin exists,
/// so a new installation can be signed into. Never touches an existing account.
enum FirstAdmin {
    static func ensure(_ admin: (email: String, password: String)?, database: DatabasePool, now: Date, logger: Logger) async throws {
        guard let admin else {
            let exists = try await database.withConnection { try AccountStore(connection: $0).hasActiveAdmin() }
            if !exists { logger.warning("no admin account exists; set EXAMHALL_CONSOLE_ADMIN_EMAIL and EXAMHALL_CONSOLE_ADMIN_PASSWORD to create one") }
            return
        }
        let hash = try await Passwords.hash(admin.password)
        let created = try await database.transaction { connection -> Bool in
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('console.first_admin'))")
            let store = AccountStore(connection: connection)
            guard try !store.hasActiveAdmin() else { return false }
            let account = Account(
                id: UUID.timeOrdered(at: now), email: admin.email, name: "Administrator", role: .admin, passwordHash: hash, proctorId: nil, active: true
            )
            return try store.insert(account, at: now)
        }
        if created { logger.notice("created the first admin account", metadata: ["email": "\(admin.email)"]) }
    }
}
