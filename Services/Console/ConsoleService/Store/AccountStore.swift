import ExamHallStorage
import Foundation

/// SQL for staff accounts, used inside the caller's transaction.
struct AccountStore {
    let connection: PGConnection

    private static let columns = "id, email, name, role, password_hash, proctor_id, active"

    func account(email: String) throws -> Account? {
        try connection.query("SELECT \(Self.columns) FROM accounts WHERE lower(email) = lower($1)", [email]).first.map(Self.decode)
    }

    func account(id: UUID) throws -> Account? {
        try connection.query("SELECT \(Self.columns) FROM accounts WHERE id = $1", [id]).first.map(Self.decode)
    }

    func all() throws -> [Account] {
        try connection.query("SELECT \(Self.columns) FROM accounts ORDER BY active DESC, lower(name), lower(email)").map(Self.decode)
    }

    /// Locks the account for a change (role, active flag, password).
    func lock(id: UUID) throws -> Account? {
        try connection.query("SELECT \(Self.columns) FROM accounts WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decode)
    }

    /// Active admins, counted under a lock on them so two admins cannot demote each other at once.
    func activeAdminCount() throws -> Int {
        try connection.query("SELECT id FROM accounts WHERE role = 'admin' AND active FOR UPDATE").count
    }

    func update(_ account: Account, at now: Date) throws {
        try connection.execute(
            "UPDATE accounts SET name = $2, role = $3, proctor_id = $4, active = $5, password_hash = $6, updated_at = $7 WHERE id = $1",
            [account.id, account.name, account.role.rawValue, account.proctorId, account.active, account.passwordHash, now]
        )
    }

    func hasActiveAdmin() throws -> Bool {
        !(try connection.query("SELECT 1 FROM accounts WHERE role = 'admin' AND active LIMIT 1")).isEmpty
    }

    /// False when an account with that email exists already.
    func insert(_ account: Account, at now: Date) throws -> Bool {
        try connection.execute(
            """
            INSERT INTO accounts (id, email, name, role, password_hash, proctor_id, active, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
            ON CONFLICT DO NOTHING
            """,
            [account.id, account.email, account.name, account.role.rawValue, account.passwordHash, account.proctorId, account.active, now]
        ).affectedRows == 1
    }

    private static func decode(_ row: PGRow) throws -> Account {
        Account(
            id: try row.decode("id"), email: try row.decode("email"), name: try row.decode("name"),
            role: try known(StaffRole.self, try row.decode("role"), column: "accounts.role"),
            passwordHash: try row.decode("password_hash"), proctorId: try row.decode("proctor_id"), active: try row.decode("active")
        )
    }
}
