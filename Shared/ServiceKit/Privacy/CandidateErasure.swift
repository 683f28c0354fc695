import ExamHallModels
import ExamHallStorage
import Foundation

/// What every service does when it erases a candidate, besides its own tables: remembers the erasure
/// (so that later messages about them are stored without personal data, and dead letters naming them
/// are removed), drops the already sent outbox rows that name them, and confirms with `candidate.erased`.
/// Runs in the transaction of the service's own erasure.
public enum CandidateErasure {
    public static func record(_ candidateId: String, service: String, context: HandlerContext) throws {
        try context.connection.execute(
            "INSERT INTO erased_candidates (candidate_id, erased_at) VALUES ($1, $2) ON CONFLICT (candidate_id) DO NOTHING",
            [candidateId, context.now]
        )
        // Sent rows are kept a day for diagnosis; those about this candidate go now. Unsent ones are
        // in flight and go out, and their receivers store them without the personal data.
        try context.connection.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND strpos(body, $1) > 0", [quotedInJSON(candidateId)]
        )
        try context.publish(CandidateErased(candidateId: candidateId, service: service, erasedAt: context.now))
    }

    /// The id as it appears in a JSON body: every ExamHall message that carries a candidate's contact
    /// data also carries their id as a JSON string (`candidateId`, `externalId`, `candidateExternalId`).
    public static func quotedInJSON(_ candidateId: String) -> String {
        String(decoding: (try? JSONEncoder().encode(candidateId)) ?? Data(), as: UTF8.self)
    }
}
