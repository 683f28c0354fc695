import ExamHallModels
import ExamHallServiceKit

/// `candidate.erasure_requested` → the contact data bookings are announced with is gone.
struct EraseCandidateOnErasureRequested: EventHandler {
    func handle(_ event: CloudEvent<CandidateErasureRequested>, context: HandlerContext) throws {
        try BookingStore(connection: context.connection).eraseCandidate(event.data.externalId, at: context.now)
        try CandidateErasure.record(event.data.externalId, service: SessionsService.description.name, context: context)
    }
}
