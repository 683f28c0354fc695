import ExamHallStorage
import Foundation

/// A signed-in browser, as stored: a staff account's or a candidate's.
struct SignInSession: Sendable {
    enum Person: Sendable, Equatable {
        case staff(UUID)
        /// A candidate, reading the console in `language`.
        case candidate(String, language: CandidateLanguage)
    }

    var person: Person
    var csrfToken: String
    var createdAt: Date
    var lastSeenAt: Date
}

/// SQL for signed-in browsers (by the SHA-256 of their cookie) and for failed sign-ins.
struct SignInSessionStore {
    let connection: PGConnection

    func insert(idHash: String, _ session: SignInSession) throws {
        try connection.execute(
            """
            INSERT INTO sign_in_sessions (id_hash, account_id, candidate_id, language, csrf_token, created_at, last_seen_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6)
            """,
            [idHash, session.person.accountId, session.person.candidateId, session.person.language?.rawValue, session.csrfToken, session.createdAt]
        )
    }

    func session(idHash: String) throws -> SignInSession? {
        try connection.query(
            "SELECT account_id, candidate_id, language, csrf_token, created_at, last_seen_at FROM sign_in_sessions WHERE id_hash = $1", [idHash]
        ).first.map { row in
            let person: SignInSession.Person
            if let candidate: String = try row.decode("candidate_id") {
                person = .candidate(candidate, language: try known(CandidateLanguage.self, try row.decode("language"), column: "sign_in_sessions.language"))
            } else {
                person = .staff(try row.decode("account_id"))
            }
            return SignInSession(
                person: person, csrfToken: try row.decode("csrf_token"), createdAt: try row.decode("created_at"), lastSeenAt: try row.decode("last_seen_at")
            )
        }
    }

    /// A candidate switches the language of their pages.
    func setLanguage(_ language: CandidateLanguage, idHash: String) throws {
        try connection.execute("UPDATE sign_in_sessions SET language = $2 WHERE id_hash = $1 AND candidate_id IS NOT NULL", [idHash, language.rawValue])
    }

    func touch(idHash: String, at now: Date) throws {
        try connection.execute("UPDATE sign_in_sessions SET last_seen_at = $2 WHERE id_hash = $1", [idHash, now])
    }

    func delete(idHash: String) throws {
        try connection.execute("DELETE FROM sign_in_sessions WHERE id_hash = $1", [idHash])
    }

    /// Ends every signed-in browser of an account (deactivation, password change).
    func deleteAll(accountId: UUID) throws {
        try connection.execute("DELETE FROM sign_in_sessions WHERE account_id = $1", [accountId])
    }

    // MARK: - Failed sign-ins

    func recordFailure(subjects: [String], at now: Date) throws {
        for subject in subjects {
            try connection.execute("INSERT INTO sign_in_failures (subject, failed_at) VALUES ($1, $2)", [subject, now])
        }
    }

    func failures(subject: String, since: Date) throws -> [Date] {
        try connection.query(
            "SELECT failed_at FROM sign_in_failures WHERE subject = $1 AND failed_at > $2 ORDER BY failed_at DESC LIMIT 100", [subject, since]
        ).map { try $0.decode("failed_at") }
    }

    func clearFailures(subject: String) throws {
        try connection.execute("DELETE FROM sign_in_failures WHERE subject = $1", [subject])
    }

    /// Housekeeping: sessions past their absolute or idle limit, failures older than the window.
    func deleteExpired(createdBefore: Date, idleSince: Date, failuresBefore: Date) throws {
        try connection.execute("DELETE FROM sign_in_sessions WHERE created_at < $1 OR last_seen_at < $2", [createdBefore, idleSince])
        try connection.execute("DELETE FROM sign_in_failures WHERE failed_at < $1", [failuresBefore])
    }
}

extension SignInSession.Person {
    var accountId: UUID? {
        if case .staff(let id) = self { id } else { nil }
    }

    var candidateId: String? {
        if case .candidate(let id, _) = self { id } else { nil }
    }

    var language: CandidateLanguage? {
        if case .candidate(_, let language) = self { language } else { nil }
    }
}

