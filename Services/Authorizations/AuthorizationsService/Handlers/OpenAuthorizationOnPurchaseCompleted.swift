import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `purchase.completed` → exactly one Open authorization per purchase, and `authorization.opened`.
/// A re-send of a known purchase (new message id, same `purchaseId`) changes nothing.
struct OpenAuthorizationOnPurchaseCompleted: EventHandler {
    func handle(_ event: CloudEvent<PurchaseCompleted>, context: HandlerContext) throws {
        let purchase = event.data
        let store = AuthorizationStore(connection: context.connection)
        let authorization = Authorization(
            id: UUID(), purchaseId: purchase.purchaseId, candidateId: purchase.candidate.externalId, examCode: purchase.examCode,
            status: .open, validUntil: purchase.validUntil, bookingId: nil, sessionId: nil, inactivationReason: nil,
            createdAt: context.now, updatedAt: context.now
        )
        // The unique purchase id decides between concurrent re-sends: only one insert wins.
        let opened = try store.open(authorization, candidate: purchase.candidate, messageId: event.id, actor: "payment-system")
        guard case .open = AuthorizationRules.opening(purchaseAlreadyKnown: !opened.inserted, refundedEarlier: opened.earlyRefund != nil) else {
            context.logger.info("purchase already has an authorization", metadata: ["purchaseId": .string(purchase.purchaseId)])
            return
        }
        try context.publish(AuthorizationOpened(ref: authorization.ref, validUntil: purchase.validUntil, candidate: purchase.candidate))
        if let earlyRefund = opened.earlyRefund {
            try RecordTransition(connection: context.connection, outbox: context.outbox, now: context.now)
                .apply(.refund, to: authorization, reason: earlyRefund, actor: "payment-system", messageId: event.id)
        }
    }
}
