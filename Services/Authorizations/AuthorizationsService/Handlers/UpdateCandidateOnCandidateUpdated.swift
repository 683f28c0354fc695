import ExamHallModels
import ExamHallServiceKit

/// `candidate.updated` → the candidate's contact data, as the external system now knows it.
struct UpdateCandidateOnCandidateUpdated: EventHandler {
    func handle(_ event: CloudEvent<CandidateUpdated>, context: HandlerContext) throws {
        try AuthorizationStore(connection: context.connection).upsertCandidate(event.data.candidate, at: context.now)
    }
}
