import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// SQL for attempts and the projections around them, used inside the caller's transaction.
struct AttemptStore {
    let connection: PGConnection

    private static let columnNames = [
        "id", "session_id", "candidate_id", "exam_code", "authorization_id", "session_start", "session_end", "status", "started_at",
        "finished_at", "score", "max_score", "passed", "verdict", "verdict_comment", "verified_by", "verified_at", "exported_at", "candidate_name",
    ]
    private static let columns = columnNames.joined(separator: ", ")
    /// The same columns for queries that name `attempts` as `a`.
    static let qualifiedColumns = columnNames.map { "a.\($0)" }.joined(separator: ", ")

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

    /// Keeps the newest word on an exam: events about it may arrive out of order.
    func saveExam(_ code: String, verificationRequired: Bool, updatedAt: Date) throws {
        try connection.execute(
            """
            INSERT INTO exams (code, verification_required, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (code) DO UPDATE SET verification_required = EXCLUDED.verification_required, updated_at = EXCLUDED.updated_at
                WHERE exams.updated_at < EXCLUDED.updated_at
            """, [code, verificationRequired, updatedAt]
        )
    }

    /// An exam not heard of is verified by a CSR: the safe default.
    func verificationRequired(examCode: String) throws -> Bool {
        try connection.query("SELECT verification_required FROM exams WHERE code = $1", [examCode]).first?.decode("verification_required") ?? true
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

    /// A due export with what its result needs from the projections around the attempt.
    struct DueExport {
        let attempt: Attempt
        let purchaseId: String
        /// The purchase's correlation id, carried onto its result.
        let correlationId: String?
        let proctorRating: Int?
    }

    /// The attempts that are due for export, oldest verdict first, with the purchase of their authorization
    /// and the proctor's rating, claimed so replicas export each once. Attempts whose purchase is not known
    /// yet are left for a later round.
    func claimDueExports(limit: Int) throws -> [DueExport] {
        try connection.query(
            """
            SELECT \(Self.qualifiedColumns), au.purchase_id, au.correlation_id, r.rating FROM attempts a
            JOIN authorizations au ON au.id = a.authorization_id
            LEFT JOIN proctor_reports r ON r.attempt_id = a.id
            WHERE \(Self.dueForExport)
            ORDER BY a.verified_at LIMIT $1 FOR UPDATE OF a SKIP LOCKED
            """, [limit]
        ).map { row in DueExport(
                attempt: try Self.decode(row), purchaseId: try row.decode("purchase_id"), correlationId: try row.decode("correlation_id"),
                proctorRating: try row.decode("rating")
            ) }
    }

    /// Connected, finished, verified and not exported, with every part of the result present (`ExportRules.isDue`).
    private static let dueForExport = """
        a.exported_at IS NULL AND a.verdict IS NOT NULL AND a.verified_at IS NOT NULL AND a.authorization_id IS NOT NULL
            AND a.status = 'finished' AND a.finished_at IS NOT NULL AND a.score IS NOT NULL AND a.max_score IS NOT NULL AND a.passed IS NOT NULL
        """

    func exportsWaitingForPurchase() throws -> Int {
        try connection.query(
            "SELECT count(*) AS n FROM attempts a WHERE \(Self.dueForExport) AND NOT EXISTS (SELECT 1 FROM authorizations au WHERE au.id = a.authorization_id)"
        )[0].decode("n")
    }

    /// Marks the attempts exported with an audit line naming each one's message, in one statement
    /// whatever their number.
    func recordExports(_ attempts: [(id: UUID, messageId: String)], at now: Date) throws {
        guard !attempts.isEmpty else { return }
        try connection.execute(
            """
            WITH marked AS (
                UPDATE attempts SET exported_at = $3, updated_at = $3 WHERE id = ANY($1::uuid[])
            )
            INSERT INTO attempt_audit (attempt_id, action, actor, detail, at)
            SELECT attempt_id, 'exported', 'system', message_id, $3
            FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS input (attempt_id, message_id, position) ORDER BY position
            """,
            [attempts.map(\.id), attempts.map(\.messageId), now]
        )
    }

    // MARK: - Projections

    func recordAuthorization(_ id: String, purchaseId: String, correlationId: String?) throws {
        try connection.execute(
            "INSERT INTO authorizations (id, purchase_id, correlation_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [id, purchaseId, correlationId]
        )
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

    static func decode(_ row: PGRow) throws -> Attempt {
        Attempt(
            id: try row.decode("id"), sessionId: try row.decode("session_id"), candidateId: try row.decode("candidate_id"),
            examCode: try row.decode("exam_code"), authorizationId: try row.decode("authorization_id"),
            sessionStart: try row.decode("session_start"), sessionEnd: try row.decode("session_end"),
            status: try known(AttemptStatus.self, try row.decode("status"), column: "attempts.status"), startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"), score: try row.decode("score"), maxScore: try row.decode("max_score"),
            passed: try row.decode("passed"), verdict: try row.decode("verdict", as: String?.self).map { try known(Verdict.self, $0, column: "attempts.verdict") },
            verdictComment: try row.decode("verdict_comment"), verifiedBy: try row.decode("verified_by"),
            verifiedAt: try row.decode("verified_at"), exportedAt: try row.decode("exported_at"), candidateName: try row.decode("candidate_name")
        )
    }

    /// The name and address copied onto the candidate's attempts go; the attempts, scores, verdicts
    /// and audit stay, under the candidate's id.
    func eraseCandidate(_ candidateId: String, at now: Date) throws {
        try connection.execute(
            "UPDATE attempts SET candidate_name = NULL, candidate_email = NULL, updated_at = $2 WHERE candidate_id = $1", [candidateId, now]
        )
    }
}

// MARK: - Reports, listings and exports

extension AttemptStore {
    func saveReport(_ report: ProctorReport, for attemptId: UUID, by proctorId: String, at now: Date) throws {
        let incidents = String(decoding: try EventCoding.encoder.encode(report.incidents), as: UTF8.self)
        try connection.execute(
            """
            INSERT INTO proctor_reports (attempt_id, proctor_id, rating, notes, incidents, submitted_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6)
            ON CONFLICT (attempt_id) DO UPDATE SET proctor_id = EXCLUDED.proctor_id, rating = EXCLUDED.rating, notes = EXCLUDED.notes,
                incidents = EXCLUDED.incidents, updated_at = EXCLUDED.updated_at
            """, [attemptId, proctorId, report.rating, report.notes, incidents, now]
        )
    }

    func report(of attemptId: UUID) throws -> (report: ProctorReport, proctorId: String)? {
        try connection.query("SELECT proctor_id, rating, notes, incidents FROM proctor_reports WHERE attempt_id = $1", [attemptId]).first.map { row in
            let incidents = try EventCoding.decoder.decode([Incident].self, from: Data((try row.decode("incidents", as: String.self)).utf8))
            return (ProctorReport(incidents: incidents, notes: try row.decode("notes"), rating: try row.decode("rating")), try row.decode("proctor_id"))
        }
    }

    struct AuditLine: Codable, Sendable, Equatable {
        var action: String
        var actor: String
        var detail: String?
        var at: Date
    }

    func auditTrail(of attemptId: UUID) throws -> [AuditLine] {
        try connection.query("SELECT action, actor, detail, at FROM attempt_audit WHERE attempt_id = $1 ORDER BY id", [attemptId]).map { row in
            AuditLine(action: try row.decode("action"), actor: try row.decode("actor"), detail: try row.decode("detail"), at: try row.decode("at"))
        }
    }

    struct Filter: Sendable {
        var status: AttemptStatus?
        var examCode: String?
        var sessionId: String?
        var candidateId: String?
        /// Only attempts of sessions this proctor is assigned to.
        var proctorId: String?
        /// Finished attempts without a verdict, oldest first: the CSR's verification queue.
        var awaitingVerdict = false
        var maximumRating: Int?
        var limit = 100
        var offset = 0
    }

    /// One page of attempts, and how many match in all.
    func list(_ filter: Filter) throws -> (items: [Attempt], total: Int) {
        let rows = try connection.query(
            """
            SELECT \(Self.qualifiedColumns), count(*) OVER () AS total
            FROM attempts a LEFT JOIN proctor_reports r ON r.attempt_id = a.id
            WHERE ($1::text IS NULL OR a.status = $1) AND ($2::text IS NULL OR a.exam_code = $2) AND ($3::text IS NULL OR a.session_id = $3)
              AND ($4::text IS NULL OR a.candidate_id = $4)
              AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM session_proctors p WHERE p.session_id = a.session_id AND p.proctor_id = $5))
              AND (NOT $6 OR (a.status = 'finished' AND a.verdict IS NULL))
              AND ($7::integer IS NULL OR r.rating <= $7)
            ORDER BY CASE WHEN $6 THEN a.finished_at END, a.created_at, a.id LIMIT $8 OFFSET $9
            """,
            [filter.status?.rawValue, filter.examCode, filter.sessionId, filter.candidateId, filter.proctorId, filter.awaitingVerdict,
             filter.maximumRating, filter.limit, filter.offset]
        )
        return (try rows.map(Self.decode), try rows.first?.decode("total", as: Int.self) ?? 0)
    }

    /// One line of `GET /exports`.
    struct ExportLine: Codable, Sendable, Equatable {
        enum State: String, Codable, Sendable, CaseIterable { case waiting, pending, exported, failing }
        var attemptId: String
        var messageId: String
        var state: State
        var verifiedAt: Date?
        var exportedAt: Date?
        var confirmedAt: Date?
    }

    /// Every verified result with where its export stands: not handed over yet (`waiting`), handed to
    /// the outbox but not confirmed by the broker (`pending`, or `failing` after `failingAfter`), and
    /// confirmed (`exported`). Published outbox rows are removed by retention after a while, so a
    /// handed-over result whose row is gone was confirmed.
    private static let exportLines = """
        SELECT a.id, a.verified_at, a.exported_at, o.sent_at,
            CASE WHEN a.exported_at IS NULL THEN 'waiting'
                 WHEN o.sent_at IS NOT NULL OR o.message_id IS NULL THEN 'exported'
                 WHEN a.exported_at < $1 THEN 'failing'
                 ELSE 'pending' END AS state
        FROM attempts a LEFT JOIN outbox o ON o.message_id = 'result-verified-' || a.id::text
        WHERE a.verdict IS NOT NULL AND a.authorization_id IS NOT NULL AND a.status = 'finished'
        """

    /// A handed-over result unconfirmed for longer than this is `failing`.
    static let failingAfter: TimeInterval = 60

    /// One page of export lines in `state` (all when nil), newest verified first, with how many match
    /// in all and how many are in each state.
    func exports(state: ExportLine.State?, now: Date, limit: Int, offset: Int) throws -> (items: [ExportLine], total: Int, counts: [String: Int]) {
        let failingBefore = now.addingTimeInterval(-Self.failingAfter)
        let rows = try connection.query(
            """
            WITH lines AS (\(Self.exportLines))
            SELECT *, count(*) OVER () AS total FROM lines WHERE $2::text IS NULL OR state = $2
            ORDER BY verified_at DESC, id LIMIT $3 OFFSET $4
            """, [failingBefore, state?.rawValue, limit, offset]
        )
        let items = try rows.map { row in
            let id: UUID = try row.decode("id")
            return ExportLine(
                attemptId: id.uuidString.lowercased(), messageId: ExportRules.messageId(for: id),
                state: try known(ExportLine.State.self, try row.decode("state"), column: "export state"),
                verifiedAt: try row.decode("verified_at"), exportedAt: try row.decode("exported_at"), confirmedAt: try row.decode("sent_at")
            )
        }
        var counts: [String: Int] = [:]
        for row in try connection.query("WITH lines AS (\(Self.exportLines)) SELECT state, count(*)::int AS n FROM lines GROUP BY state", [failingBefore]) {
            counts[try row.decode("state")] = try row.decode("n")
        }
        return (items, try rows.first?.decode("total", as: Int.self) ?? 0, counts)
    }
}
