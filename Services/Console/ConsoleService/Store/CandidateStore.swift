import ExamHallModels
import ExamHallStorage
import Foundation

/// SQL for the candidates the console has learnt from events.
struct CandidateStore {
    let connection: PGConnection

    func save(_ profile: CandidateProfile, at now: Date) throws {
        try connection.execute(
            """
            INSERT INTO candidates (candidate_id, name, email, language, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (candidate_id) DO UPDATE
            SET name = excluded.name, email = excluded.email, language = excluded.language, time_zone = excluded.time_zone, updated_at = excluded.updated_at
            """,
            [profile.externalId, profile.fullName, profile.email, profile.language, profile.timeZone, now]
        )
    }

    func candidate(id: String) throws -> Candidate? {
        try connection.query("SELECT * FROM candidates WHERE candidate_id = $1", [id]).first.map(Self.candidate)
    }

    /// The candidate an email address belongs to; when the external system gave one address to several
    /// candidates, the one it told us of last.
    func candidate(email: String) throws -> Candidate? {
        try connection.query(
            "SELECT * FROM candidates WHERE lower(email) = lower($1) ORDER BY updated_at DESC LIMIT 1", [email]
        ).first.map(Self.candidate)
    }

    /// The candidate and everything that names them: their signed-in browsers and sign-in links
    /// (removed with them) and the failed sign-ins recorded under their address.
    func erase(id: String) throws {
        try connection.execute(
            // Throttling keys are "<kind>:<lower-cased address>".
            "DELETE FROM sign_in_failures f USING candidates c WHERE c.candidate_id = $1 AND c.email <> '' AND strpos(f.subject, lower(c.email)) > 0", [id]
        )
        try connection.execute("DELETE FROM candidates WHERE candidate_id = $1", [id])
    }

    private static func candidate(_ row: PGRow) throws -> Candidate {
        Candidate(
            id: try row.decode("candidate_id"), name: try row.decode("name"), email: try row.decode("email"),
            language: try row.decode("language"), timeZone: try row.decode("time_zone")
        )
    }
}
