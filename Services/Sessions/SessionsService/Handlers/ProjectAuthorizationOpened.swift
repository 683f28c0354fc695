import ExamHallModels
import ExamHallServiceKit
import Foundation

// The local projection of the authorizations service's events, which bookings are decided from.
/// `authorization.opened` → an Open authorization candidates can book with, and the candidate's contact.
struct ProjectAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        _ = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        let store = BookingStore(connection: context.connection)
        try store.recordAuthorization(event.data.ref, status: .open, validUntil: event.data.validUntil, at: context.now)
        try store.saveCandidate(event.data.candidateId, CandidateContact(event.data.candidate), replace: false, at: context.now)
    }
}
