import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `candidate.updated` → the contact data bookings are announced with.
struct UpdateCandidateOnCandidateUpdated: EventHandler {
    func handle(_ event: CloudEvent<CandidateUpdated>, context: HandlerContext) throws {
        let candidate = event.data.candidate
        try BookingStore(connection: context.connection).saveCandidate(candidate.externalId, CandidateContact(candidate), replace: true, at: context.now)
    }
}
