import ExamHallModels
import ExamHallServiceKit

/// `candidate.erasure_requested` → the name and address on the candidate's attempts are gone; results stay, by id.
struct EraseCandidateOnErasureRequested: EventHandler {
    func handle(_ event: CloudEvent<CandidateErasureRequested>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).eraseCandidate(event.data.externalId, at: context.now)
        try CandidateErasure.record(event.data.externalId, service: VerificationService.description.name, context: context)
    }
}
