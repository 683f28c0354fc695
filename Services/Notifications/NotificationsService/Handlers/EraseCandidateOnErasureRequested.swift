import ExamHallModels
import ExamHallServiceKit

/// `candidate.erasure_requested` → the candidate's contact data and the address, subject and body of
/// every email to them are gone; which emails were sent, and when, stays.
struct EraseCandidateOnErasureRequested: EventHandler {
    func handle(_ event: CloudEvent<CandidateErasureRequested>, context: HandlerContext) throws {
        let candidateId = event.data.externalId
        try ProjectionStore(connection: context.connection).eraseContact(candidateId)
        try DeliveryStore(connection: context.connection).eraseCandidate(candidateId, at: context.now)
        try CandidateErasure.record(candidateId, service: NotificationsService.description.name, context: context)
    }
}
