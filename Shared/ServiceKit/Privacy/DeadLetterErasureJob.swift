import ExamHallMessaging
import ExamHallStorage
import Logging

/// Removes from the service's dead-letter queue the letters that name a candidate it erased. Letters
/// are read one at a time without being taken; those naming an erased candidate are acknowledged
/// (gone), and closing the connection puts the others back as they were. An advisory lock keeps
/// replicas from scanning at once. A letter someone else holds during a scan (an operator listing
/// dead letters) is not seen, and a message in flight at the erasure may die later: so each erasure
/// is scanned for during `window` after it, not once.
public enum DeadLetterErasureJob {
    static let window: Duration = .seconds(15 * 60)

    static func make(database: DatabasePool, endpoint: AMQPEndpoint, deadQueue: String, logger: Logger) -> PeriodicJob {
        PeriodicJob(name: "dead-letter-erasure", interval: .seconds(10)) {
            try await database.withConnection { connection in
                let lock = "examhall.dead-letter-erasure"
                guard try connection.query("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [lock])[0].decode("locked", as: Bool.self) else { return }
                defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext($1))", [lock]) }
                let pending = try connection.query(
                    "SELECT candidate_id FROM erased_candidates WHERE dead_letters_scrubbed_at IS NULL ORDER BY erased_at LIMIT 500"
                ).map { try $0.decode("candidate_id", as: String.self) }
                guard !pending.isEmpty else { return }
                let removed = try removeLetters(from: deadQueue, endpoint: endpoint, naming: pending)
                try connection.execute(
                    "UPDATE erased_candidates SET dead_letters_scrubbed_at = now() WHERE candidate_id = ANY($1::text[]) AND erased_at < now() - $2 * interval '1 second'",
                    [pending, Int(window.components.seconds)]
                )
                if removed > 0 { logger.info("removed dead letters of erased candidates", metadata: ["queue": "\(deadQueue)", "count": "\(removed)"]) }
            }
        }
    }

    /// How many letters of `queue` named one of `candidateIds` (as a JSON string) and were removed.
    public static func removeLetters(from queue: String, endpoint: AMQPEndpoint, naming candidateIds: [String]) throws -> Int {
        let needles = candidateIds.map { Array(CandidateErasure.quotedInJSON($0).utf8) }
        let connection = try AMQPConnection.open(endpoint)
        defer { connection.close() }
        var removed = 0
        while let letter = try connection.get(queue) {
            guard needles.contains(where: { letter.body.firstRange(of: $0) != nil }) else { continue }
            try connection.ack(letter.deliveryTag)
            removed += 1
        }
        return removed
    }
}
