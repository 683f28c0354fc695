import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `authorization.opened` → the purchase a result goes back to, with the purchase's correlation id
/// (the event carries it on from the purchase).
struct RecordPurchaseOnAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).recordAuthorization(
            event.data.authorizationId, purchaseId: event.data.purchaseId, correlationId: event.correlationid
        )
    }
}
