import ExamHallModels
import ExamHallServiceKit

/// `candidate.erasure_requested` → the console forgets the candidate: their address, name, signed-in
/// browsers, sign-in links and failed sign-ins.
struct EraseCandidateOnErasureRequested: EventHandler {
    func handle(_ event: CloudEvent<CandidateErasureRequested>, context: HandlerContext) throws {
        try CandidateStore(connection: context.connection).erase(id: event.data.externalId)
        try CandidateErasure.record(event.data.externalId, service: ConsoleService.description.name, context: context)
    }
}
