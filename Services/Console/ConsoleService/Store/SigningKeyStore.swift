import ExamHallStorage
import Foundation

/// SQL for the token signing keys.
struct SigningKeyStore {
    let connection: PGConnection

    /// Serializes rotation between console replicas, inside the caller's transaction.
    func lock() throws {
        try connection.execute("SELECT pg_advisory_xact_lock(hashtext('console.signing_keys'))")
    }

    func keys() throws -> [(record: SigningKeyRecord, pem: String)] {
        try connection.query("SELECT kid, private_key_pem, created_at, retired_at FROM signing_keys ORDER BY created_at").map { row in
            (SigningKeyRecord(kid: try row.decode("kid"), createdAt: try row.decode("created_at"), retiredAt: try row.decode("retired_at")),
             try row.decode("private_key_pem"))
        }
    }

    func insert(_ record: SigningKeyRecord, pem: String) throws {
        try connection.execute(
            "INSERT INTO signing_keys (kid, private_key_pem, created_at) VALUES ($1, $2, $3)", [record.kid, pem, record.createdAt]
        )
    }

    func retire(except kid: String, at now: Date) throws {
        try connection.execute("UPDATE signing_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL", [kid, now])
    }

    func delete(_ kids: [String]) throws {
        try connection.execute("DELETE FROM signing_keys WHERE kid = ANY($1::text[])", [kids])
    }
}
