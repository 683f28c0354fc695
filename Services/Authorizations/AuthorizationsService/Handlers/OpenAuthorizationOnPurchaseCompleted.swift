import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// `purchase.completed` → exactly one Open authorization per purchase, and `authorization.opened`; the
/// payment system is answered `purchase.accepted`. A re-send of a known purchase (new message id, same
/// `purchaseId`) changes nothing but is answered too. Purchases arrive
/// in streams, so a batch of them is opened with one statement; a single one is a batch of one.
struct OpenAuthorizationOnPurchaseCompleted: BatchEventHandler {
    func handle(_ event: CloudEvent<PurchaseCompleted>, context: HandlerContext) throws {
        try handleBatch([(event, context)], on: context.connection)
    }

    func handleBatch(_ events: [(event: CloudEvent<PurchaseCompleted>, context: HandlerContext)], on connection: PGConnection) throws {
        let openings = events.map { event, context in
            let purchase = event.data
            let authorization = Authorization(
                id: UUID.timeOrdered(), purchaseId: purchase.purchaseId, candidateId: purchase.candidate.externalId, examCode: purchase.examCode,
                status: .open, validUntil: purchase.validUntil, bookingId: nil, sessionId: nil, inactivationReason: nil,
                createdAt: context.now, updatedAt: context.now
            )
            return AuthorizationStore.Opening(authorization: authorization, candidate: purchase.candidate, messageId: event.id)
        }
        // The unique purchase id decides between concurrent re-sends: only one insert wins, and only the
        // winner's history line and `authorization.opened` are written.
        let outcomes = try AuthorizationStore(connection: connection).open(openings, actor: "payment-system", at: events[0].context.now)
        // Every purchase is answered (a re-send too, naming the authorization it already has).
        var rows: [OutboxWriter.Row] = []
        for ((event, context), (opening, outcome)) in zip(events, zip(openings, outcomes)) {
            let purchase = event.data
            if outcome.inserted {
                rows.append(try context.outbox.row(
                    AuthorizationOpened(ref: opening.authorization.ref, validUntil: purchase.validUntil, candidate: purchase.candidate)
                ).1)
            }
            guard let authorizationId = outcome.authorizationId else {
                throw PostgresError(kind: .query, message: "purchase \(purchase.purchaseId) has no authorization after opening it")
            }
            rows.append(try context.outbox.row(
                PurchaseAccepted(messageId: event.id, purchaseId: purchase.purchaseId, authorizationId: authorizationId.uuidString.lowercased()),
                to: .outbound
            ).1)
        }
        try OutboxWriter.enqueue(rows, on: connection)
        for ((event, context), (opening, outcome)) in zip(events, zip(openings, outcomes)) {
            switch AuthorizationRules.opening(purchaseAlreadyKnown: !outcome.inserted, refundedEarlier: outcome.earlyRefund != nil) {
            case .alreadyOpened:
                context.logger.info("purchase already has an authorization", metadata: ["purchaseId": .string(event.data.purchaseId)])
            case .open:
                if let earlyRefund = outcome.earlyRefund {
                    try RecordTransition(connection: connection, outbox: context.outbox, now: context.now)
                        .apply(.refund, to: opening.authorization, reason: earlyRefund, actor: "payment-system", messageId: event.id)
                }
            }
        }
    }
}
