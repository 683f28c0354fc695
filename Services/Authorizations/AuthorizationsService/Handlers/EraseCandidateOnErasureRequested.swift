import ExamHallModels
import ExamHallServiceKit

/// `candidate.erasure_requested` → the candidate's names and address are gone; authorizations stay, by id.
struct EraseCandidateOnErasureRequested: EventHandler {
    func handle(_ event: CloudEvent<CandidateErasureRequested>, context: HandlerContext) throws {
        try AuthorizationStore(connection: context.connection).eraseCandidate(event.data.externalId, at: context.now)
        try CandidateErasure.record(event.data.externalId, service: AuthorizationsService.description.name, context: context)
    }
}
