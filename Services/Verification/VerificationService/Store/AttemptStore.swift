import ExamHallModels
import ExamHallStorage
import Foundation

/// SQL for attempts and the projections around them, used inside the caller's transaction.
struct AttemptStore {
    let connection: PGConnection

    private static let columns = """
        id, session_id, candidate_id, exam_code, authorization_id, session_start, session_end, status, started_at, finished_at,
        score, max_score, passed, verdict, verdict_comment, verified_by, verified_at, exported_at
        """

    /// Records the attempt of a newly confirmed booking; false when it already exists (a redelivery or re-send).
    func insert(_ attempt: Attempt, contact: CandidateContact, at now: Date) throws -> Bool {
        try connection.execute(
            """
            INSERT INTO attempts (id, session_id, candidate_id, exam_code, authorization_id, candidate_name, candidate_email,
                candidate_language, candidate_time_zone, session_start, session_end, status, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
            ON CONFLICT (id) DO NOTHING
            """,
            [attempt.id, attempt.sessionId, attempt.candidateId, attempt.examCode, attempt.authorizationId, contact.name, contact.email,
             contact.language, contact.timeZone, attempt.sessionStart, attempt.sessionEnd, attempt.status.rawValue, now]
        ).affectedRows == 1
    }

    func find(_ id: UUID) throws -> Attempt? {
        try connection.query("SELECT \(Self.columns) FROM attempts WHERE id = $1", [id]).first.map(Self.decode)
    }

    func lock(_ id: UUID) throws -> Attempt? {
        try connection.query("SELECT \(Self.columns) FROM attempts WHERE id = $1 FOR UPDATE", [id]).first.map(Self.decode)
    }

    /// Saves what the rules may change: session, status, times, score, verdict and export.
    func update(_ attempt: Attempt, at now: Date) throws {
        try connection.execute(
            """
            UPDATE attempts SET session_id = $2, session_start = $3, session_end = $4, status = $5, started_at = $6, finished_at = $7,
                score = $8, max_score = $9, passed = $10, verdict = $11, verdict_comment = $12, verified_by = $13, verified_at = $14,
                exported_at = $15, updated_at = $16
            WHERE id = $1
            """,
            [attempt.id, attempt.sessionId, attempt.sessionStart, attempt.sessionEnd, attempt.status.rawValue, attempt.startedAt,
             attempt.finishedAt, attempt.score, attempt.maxScore, attempt.passed, attempt.verdict?.rawValue, attempt.verdictComment,
             attempt.verifiedBy, attempt.verifiedAt, attempt.exportedAt, now]
        )
    }

    func contact(of id: UUID) throws -> CandidateContact? {
        try connection.query(
            "SELECT candidate_name, candidate_email, candidate_language, candidate_time_zone FROM attempts WHERE id = $1 AND candidate_email IS NOT NULL", [id]
        ).first.map { row in
            CandidateContact(
                name: try row.decode("candidate_name"), email: try row.decode("candidate_email"),
                language: try row.decode("candidate_language"), timeZone: try row.decode("candidate_time_zone")
            )
        }
    }

    /// A session moved: its attempts that have not started follow it.
    func moveSession(_ sessionId: String, start: Date, end: Date, at now: Date) throws {
        try connection.execute(
            "UPDATE attempts SET session_start = $2, session_end = $3, updated_at = $4 WHERE session_id = $1 AND status = 'booked'",
            [sessionId, start, end, now]
        )
    }

    func audit(_ id: UUID, action: String, actor: String, detail: String?, at now: Date) throws {
        try connection.execute(
            "INSERT INTO attempt_audit (attempt_id, action, actor, detail, at) VALUES ($1, $2, $3, $4, $5)", [id, action, actor, detail, now]
        )
    }

    /// Booked attempts whose session ended before `cutoff`: candidates for a no-show, claimed so replicas share them.
    func claimUnstarted(endedBefore cutoff: Date, limit: Int) throws -> [Attempt] {
        try connection.query(
            "SELECT \(Self.columns) FROM attempts WHERE status = 'booked' AND session_end < $1 ORDER BY session_end LIMIT $2 FOR UPDATE SKIP LOCKED",
            [cutoff, limit]
        ).map(Self.decode)
    }

    /// Verified, finished, connected attempts not exported yet, claimed so replicas export each once.
    func claimDueExports(limit: Int) throws -> [Attempt] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM attempts
            WHERE exported_at IS NULL AND verdict IS NOT NULL AND authorization_id IS NOT NULL AND status = 'finished'
            ORDER BY verified_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [limit]
        ).map(Self.decode)
    }

    // MARK: - Projections

    func recordAuthorization(_ id: String, purchaseId: String) throws {
        try connection.execute("INSERT INTO authorizations (id, purchase_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [id, purchaseId])
    }

    func purchaseId(ofAuthorization id: String) throws -> String? {
        try connection.query("SELECT purchase_id FROM authorizations WHERE id = $1", [id]).first.map { try $0.decode("purchase_id") }
    }

    func assignProctor(_ proctorId: String, to sessionId: String) throws {
        try connection.execute("INSERT INTO session_proctors (session_id, proctor_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [sessionId, proctorId])
    }

    func unassignProctor(_ proctorId: String, from sessionId: String) throws {
        try connection.execute("DELETE FROM session_proctors WHERE session_id = $1 AND proctor_id = $2", [sessionId, proctorId])
    }

    func isProctor(_ proctorId: String, of sessionId: String) throws -> Bool {
        try connection.query(
            "SELECT EXISTS (SELECT 1 FROM session_proctors WHERE session_id = $1 AND proctor_id = $2) AS assigned", [sessionId, proctorId]
        )[0].decode("assigned")
    }

    private static func decode(_ row: PGRow) throws -> Attempt {
        Attempt(
            id: try row.decode("id"), sessionId: try row.decode("session_id"), candidateId: try row.decode("candidate_id"),
            examCode: try row.decode("exam_code"), authorizationId: try row.decode("authorization_id"),
            sessionStart: try row.decode("session_start"), sessionEnd: try row.decode("session_end"),
            status: AttemptStatus(rawValue: try row.decode("status")) ?? .booked, startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"), score: try row.decode("score"), maxScore: try row.decode("max_score"),
            passed: try row.decode("passed"), verdict: try row.decode("verdict", as: String?.self).flatMap(Verdict.init(rawValue:)),
            verdictComment: try row.decode("verdict_comment"), verifiedBy: try row.decode("verified_by"),
            verifiedAt: try row.decode("verified_at"), exportedAt: try row.decode("exported_at")
        )
    }
}
