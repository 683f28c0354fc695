import ExamHallModels
import ExamHallServiceKit

/// `purchase.refunded` → the authorization becomes Inactive; if a booking held it, the event names
/// that booking so sessions cancels it. A refund that overtakes its purchase is remembered.
struct InactivateAuthorizationOnPurchaseRefunded: EventHandler {
    func handle(_ event: CloudEvent<PurchaseRefunded>, context: HandlerContext) throws {
        let store = AuthorizationStore(connection: context.connection)
        guard let authorization = try store.lock(purchaseId: event.data.purchaseId) else {
            try store.recordEarlyRefund(purchaseId: event.data.purchaseId, reason: event.data.reason, at: context.now)
            return
        }
        guard authorization.status != .inactive else { return }
        try RecordTransition(connection: context.connection, outbox: context.outbox, now: context.now)
            .apply(.refund, to: authorization, reason: "refunded: \(event.data.reason)", actor: "payment-system", messageId: event.id)
    }
}
