import ExamHallStorage
import Foundation

/// SQL for one-time links (by the SHA-256 of their token).
struct OneTimeLinkStore {
    let connection: PGConnection

    enum Purpose: String {
        case setPassword = "set-password"
    }

    func insert(tokenHash: String, accountId: UUID, purpose: Purpose, at now: Date, expiresAt: Date) throws {
        try connection.execute(
            "INSERT INTO one_time_links (token_hash, account_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            [tokenHash, accountId, purpose.rawValue, now, expiresAt]
        )
    }

    /// The account of a usable link, or nil (unknown, used, or expired).
    func usable(tokenHash: String, purpose: Purpose, at now: Date) throws -> UUID? {
        guard let row = try connection.query(
            "SELECT account_id, expires_at, used_at FROM one_time_links WHERE token_hash = $1 AND purpose = $2", [tokenHash, purpose.rawValue]
        ).first else { return nil }
        guard AccountRules.linkUsable(expiresAt: try row.decode("expires_at"), usedAt: try row.decode("used_at"), now: now) else { return nil }
        return try row.decode("account_id")
    }

    /// Uses the link: true for exactly one caller, even when two submit it at once.
    func consume(tokenHash: String, at now: Date) throws -> Bool {
        try connection.execute(
            "UPDATE one_time_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2", [tokenHash, now]
        ).affectedRows == 1
    }

    /// A new invitation replaces the account's earlier ones.
    func revoke(accountId: UUID, purpose: Purpose, at now: Date) throws {
        try connection.execute(
            "UPDATE one_time_links SET used_at = $3 WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL", [accountId, purpose.rawValue, now]
        )
    }
}
