import ExamHallStorage
import Foundation

/// SQL for one-time links (by the SHA-256 of their token).
struct OneTimeLinkStore {
    let connection: PGConnection

    enum Purpose: String {
        case setPassword = "set-password"
        case candidateSignIn = "candidate-sign-in"
    }

    func insert(tokenHash: String, accountId: UUID, purpose: Purpose, at now: Date, expiresAt: Date) throws {
        try connection.execute(
            "INSERT INTO one_time_links (token_hash, account_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            [tokenHash, accountId, purpose.rawValue, now, expiresAt]
        )
    }

    func insert(tokenHash: String, candidateId: String, at now: Date, expiresAt: Date) throws {
        try connection.execute(
            "INSERT INTO one_time_links (token_hash, candidate_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            [tokenHash, candidateId, Purpose.candidateSignIn.rawValue, now, expiresAt]
        )
    }

    /// The account of a usable link, or nil (unknown, used, or expired).
    func usable(tokenHash: String, purpose: Purpose, at now: Date) throws -> UUID? {
        try usableLink(tokenHash: tokenHash, purpose: purpose, at: now)?.decode("account_id")
    }

    /// The candidate of a usable sign-in link, or nil (unknown, used, or expired).
    func usableSignIn(tokenHash: String, at now: Date) throws -> String? {
        try usableLink(tokenHash: tokenHash, purpose: .candidateSignIn, at: now)?.decode("candidate_id")
    }

    private func usableLink(tokenHash: String, purpose: Purpose, at now: Date) throws -> PGRow? {
        guard let row = try connection.query(
            "SELECT account_id, candidate_id, expires_at, used_at FROM one_time_links WHERE token_hash = $1 AND purpose = $2", [tokenHash, purpose.rawValue]
        ).first else { return nil }
        return AccountRules.linkUsable(expiresAt: try row.decode("expires_at"), usedAt: try row.decode("used_at"), now: now) ? row : nil
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
