@testable import AuthorizationsService
import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The handlers through the production inbox processor, against the real database.
@Suite(.serialized) struct AuthorizationHandlerTests {
    let environment: ServiceEnvironment
    let processor: InboxProcessor
    let admin: PGConnection

    init() async throws {
        environment = try await ServiceHarness.environment(for: AuthorizationsService.description)
        processor = ServiceHarness.processor(environment, components: AuthorizationsService.components(environment))
        admin = try TestStack.adminDatabase()
    }

    func authorizations(purchaseId: String) throws -> [PGRow] {
        try admin.query("SELECT id, status, candidate_id, inactivation_reason FROM authorizations.authorizations WHERE purchase_id = $1", [purchaseId])
    }

    func outbox(type: String, purchaseId: String) throws -> [PGRow] {
        try admin.query(
            "SELECT message_id, correlation_id, body FROM authorizations.outbox WHERE routing_key = $1 AND body::jsonb -> 'data' ->> 'purchaseId' = $2",
            [type, purchaseId]
        )
    }

    @Test func purchaseOpensOneAuthorizationAndAnnouncesIt() async throws {
        let purchase = Fixtures.purchase()
        let outcome = await processor.handle([try .of(purchase, correlationId: "corr-1")])
        #expect(outcome == .settled([.ack]))
        let rows = try authorizations(purchaseId: purchase.purchaseId)
        #expect(rows.count == 1)
        #expect(try rows[0].decode("status", as: String.self) == "open")
        let events = try outbox(type: "authorization.opened", purchaseId: purchase.purchaseId)
        #expect(events.count == 1)
        #expect(try events[0].decode("correlation_id", as: String.self) == "corr-1")
        let opened = try EnvelopeDecoder.decode(AuthorizationOpened.self, from: Array(try events[0].decode("body", as: String.self).utf8))
        #expect(opened.data.authorizationId == (try rows[0].decode("id", as: UUID.self)).uuidString.lowercased())
        #expect(opened.data.candidate == purchase.candidate)
        #expect(opened.causationid != nil)
    }

    @Test func redeliveryOfTheSameMessageIsSkipped() async throws {
        let purchase = Fixtures.purchase()
        let delivery = try Delivery.of(purchase)
        #expect(await processor.handle([delivery, delivery]) == .settled([.ack, .ack]))
        #expect(await processor.handle([delivery]) == .settled([.ack]))
        #expect(try authorizations(purchaseId: purchase.purchaseId).count == 1)
        #expect(try outbox(type: "authorization.opened", purchaseId: purchase.purchaseId).count == 1)
    }

    @Test func resendOfAKnownPurchaseUnderANewIdChangesNothing() async throws {
        let purchase = Fixtures.purchase()
        #expect(await processor.handle([try .of(purchase), try .of(purchase)]) == .settled([.ack, .ack]))
        #expect(await processor.handle([try .of(purchase)]) == .settled([.ack]))
        #expect(try authorizations(purchaseId: purchase.purchaseId).count == 1)
        #expect(try outbox(type: "authorization.opened", purchaseId: purchase.purchaseId).count == 1)
    }

    @Test func refundInactivatesOnceAndAnnouncesIt() async throws {
        let purchase = Fixtures.purchase()
        _ = await processor.handle([try .of(purchase)])
        let refund = PurchaseRefunded(purchaseId: purchase.purchaseId, reason: "customer request")
        #expect(await processor.handle([try .of(refund), try .of(refund)]) == .settled([.ack, .ack]))
        let row = try #require(try authorizations(purchaseId: purchase.purchaseId).first)
        #expect(try row.decode("status", as: String.self) == "inactive")
        #expect(try row.decode("inactivation_reason", as: String.self) == "refunded")
        let events = try outbox(type: "authorization.inactivated", purchaseId: purchase.purchaseId)
        #expect(events.count == 1)
        let inactivated = try EnvelopeDecoder.decode(AuthorizationInactivated.self, from: Array(try events[0].decode("body", as: String.self).utf8))
        #expect(inactivated.data.reason == .refunded)
        #expect(inactivated.data.previousStatus == .open)
    }

    @Test func refundThatOvertakesItsPurchaseLeavesItInactive() async throws {
        let purchase = Fixtures.purchase()
        _ = await processor.handle([try .of(PurchaseRefunded(purchaseId: purchase.purchaseId, reason: "chargeback"))])
        #expect(try authorizations(purchaseId: purchase.purchaseId).isEmpty)
        _ = await processor.handle([try .of(purchase)])
        let row = try #require(try authorizations(purchaseId: purchase.purchaseId).first)
        #expect(try row.decode("status", as: String.self) == "inactive")
        #expect(try outbox(type: "authorization.opened", purchaseId: purchase.purchaseId).count == 1)
        #expect(try outbox(type: "authorization.inactivated", purchaseId: purchase.purchaseId).count == 1)
    }

    /// Purchases in a batch are opened together with one statement; what they do must not depend on
    /// their company: a refund after its purchase in the same batch, a re-send beside the original, a
    /// refund that overtook its purchase, and one candidate with several purchases.
    @Test func aMixedBatchHasTheEffectsOfItsMessagesInDeliveryOrder() async throws {
        let candidate = Fixtures.candidate()
        let (refundedLater, resent, plain, refundedEarlier) = (
            Fixtures.purchase(candidate: candidate), Fixtures.purchase(candidate: candidate), Fixtures.purchase(), Fixtures.purchase()
        )
        _ = await processor.handle([try .of(PurchaseRefunded(purchaseId: refundedEarlier.purchaseId, reason: "chargeback"))])
        let batch: [Delivery] = [
            try .of(refundedLater), try .of(resent), try .of(PurchaseRefunded(purchaseId: refundedLater.purchaseId, reason: "customer request")),
            try .of(plain), try .of(resent), try .of(refundedEarlier),
        ]
        #expect(await processor.handle(batch) == .settled(Array(repeating: .ack, count: batch.count)))

        func status(_ purchase: PurchaseCompleted) throws -> [String] {
            try authorizations(purchaseId: purchase.purchaseId).map { try $0.decode("status") }
        }
        #expect(try status(refundedLater) == ["inactive"])
        #expect(try status(resent) == ["open"])
        #expect(try status(plain) == ["open"])
        #expect(try status(refundedEarlier) == ["inactive"])
        for purchase in [refundedLater, resent, plain, refundedEarlier] {
            #expect(try outbox(type: "authorization.opened", purchaseId: purchase.purchaseId).count == 1)
        }
        // Consumers see a purchase opened (and the payment system its acceptance) before it is
        // inactivated: the relay publishes in row order.
        let order = try admin.query(
            "SELECT routing_key FROM authorizations.outbox WHERE body::jsonb -> 'data' ->> 'purchaseId' = $1 ORDER BY id", [refundedLater.purchaseId]
        ).map { try $0.decode("routing_key", as: String.self) }
        #expect(order == ["authorization.opened", "purchase.accepted", "authorization.inactivated"])
        let history = try admin.query(
            """
            SELECT h.to_status FROM authorizations.authorization_history h JOIN authorizations.authorizations a ON a.id = h.authorization_id
            WHERE a.purchase_id = $1 ORDER BY h.id
            """, [refundedEarlier.purchaseId]
        ).map { try $0.decode("to_status", as: String.self) }
        #expect(history == ["open", "inactive"])
        #expect(try admin.query("SELECT 1 FROM authorizations.candidates WHERE external_id = $1", [candidate.externalId]).count == 1)
    }

    @Test func badMessagesAreDeadLetteredAndTheRestOfTheBatchApplies() async throws {
        let good = Fixtures.purchase()
        var invalid = Fixtures.purchase()
        invalid.candidate.email = "nope"
        let notJSON = Delivery(deliveryTag: 3, exchange: "examhall.inbound", routingKey: "purchase.completed", redelivered: false,
                               body: Array("{{{".utf8), properties: MessageProperties(messageId: "x"))
        let unrouted = Delivery(deliveryTag: 4, exchange: "examhall.inbound", routingKey: "purchase.exploded", redelivered: false,
                                body: try Delivery.of(good).body, properties: MessageProperties(messageId: "y"))
        guard case let .settled(dispositions) = await processor.handle([try .of(invalid), try .of(good), notJSON, unrouted]) else {
            Issue.record("expected a settled batch")
            return
        }
        #expect(dispositions[1] == .ack)
        guard case let .deadLetter(reason) = dispositions[0] else { Issue.record("invalid email not dead-lettered"); return }
        #expect(reason.contains("data.candidate.email"))
        #expect(dispositions[2] == .deadLetter(reason: "body is not a JSON object"))
        #expect(dispositions[3] == .deadLetter(reason: "no handler for 'purchase.exploded' from 'examhall.inbound'"))
        #expect(try authorizations(purchaseId: good.purchaseId).count == 1)
        #expect(try authorizations(purchaseId: invalid.purchaseId).isEmpty)
    }

    @Test func candidateUpdateReplacesContactData() async throws {
        var candidate = Fixtures.candidate()
        _ = await processor.handle([try .of(Fixtures.purchase(candidate: candidate))])
        candidate.email = "new-\(candidate.externalId)@example.org"
        candidate.language = "fr"
        #expect(await processor.handle([try .of(CandidateUpdated(candidate: candidate))]) == .settled([.ack]))
        let row = try #require(try admin.query("SELECT email, language FROM authorizations.candidates WHERE external_id = $1", [candidate.externalId]).first)
        #expect(try row.decode("email", as: String.self) == candidate.email)
        #expect(try row.decode("language", as: String.self) == "fr")
    }

    @Test func expiryJobInactivatesOnlyAuthorizationsPastValidUntil() async throws {
        let now = Date()
        let expired = Fixtures.purchase(validUntil: now.addingTimeInterval(-60))
        let valid = Fixtures.purchase(validUntil: now.addingTimeInterval(3600))
        _ = await processor.handle([try .of(expired), try .of(valid)])
        while try await ExpireAuthorizations.runOnce(environment) > 0 {}
        #expect(try authorizations(purchaseId: expired.purchaseId).first?.decode("inactivation_reason", as: String?.self) == "expired")
        #expect(try authorizations(purchaseId: valid.purchaseId).first?.decode("status", as: String.self) == "open")
        #expect(try outbox(type: "authorization.inactivated", purchaseId: expired.purchaseId).count == 1)
        #expect(try outbox(type: "authorization.inactivated", purchaseId: valid.purchaseId).isEmpty)
    }
}
