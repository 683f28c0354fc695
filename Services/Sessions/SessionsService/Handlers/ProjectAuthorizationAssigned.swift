import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `authorization.assigned` → the owner confirmed a booking's claim; the claim was already recorded
/// locally, so only an authorization never seen before is added.
struct ProjectAuthorizationAssigned: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationAssigned>, context: HandlerContext) throws {
        _ = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        try BookingStore(connection: context.connection).recordAuthorization(event.data.ref, status: .assigned, at: context.now)
    }
}
