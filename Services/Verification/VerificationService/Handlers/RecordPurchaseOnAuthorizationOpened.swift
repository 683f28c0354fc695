import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `authorization.opened` → the purchase a result goes back to.
struct RecordPurchaseOnAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).recordAuthorization(event.data.authorizationId, purchaseId: event.data.purchaseId)
    }
}
