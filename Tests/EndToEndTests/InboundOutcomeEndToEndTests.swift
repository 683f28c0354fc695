import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// Every inbound message gets an answer on `examhall.outbound`, read from the payment system's own
/// queue with its own user: `purchase.accepted` for a purchase ExamHall took, `<family>.rejected` for
/// a message it refused, each once, with the sender's correlation id, and each as docs/asyncapi.yaml says.
@Suite(.serialized) struct InboundOutcomeEndToEndTests {
    let prefix = "outcome-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws { try TestStack.require() }

    /// The answers in `deliveries` to the messages `ids`, by the id of the message each answers.
    static func answers(_ deliveries: [Delivery], to ids: Set<String>) throws -> [String: [(delivery: Delivery, data: [String: Any], envelope: [String: Any])]] {
        var found: [String: [(Delivery, [String: Any], [String: Any])]] = [:]
        for delivery in deliveries {
            guard let envelope = try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                  let data = envelope["data"] as? [String: Any], let answered = data["messageId"] as? String, ids.contains(answered) else { continue }
            found[answered, default: []].append((delivery, data, envelope))
        }
        return found
    }

    static func checkContract(_ deliveries: [Delivery]) throws {
        for delivery in deliveries {
            let violations = try AsyncAPIContract.violations(of: delivery.body, channel: "examhall.outbound/\(delivery.routingKey)")
            #expect(violations.isEmpty, "\(delivery.routingKey): \(violations)")
        }
    }

    @Test func everyPurchaseIsAnsweredOnceAcceptedOrRejectedWithItsKeys() async throws {
        let authorizations = ServiceProcess("authorizations", port: 18085)
        try await authorizations.start()
        defer { authorizations.stop() }
        let receiver = try EventTap(routingKeys: ["purchase.*"], exchange: .outbound, asPaymentSystem: true)
        let publisher = try TestPublisher()

        // A good purchase, the same purchase sent again under a new message id, and two refused ones.
        let purchase = Fixtures.purchase("P-\(prefix)")
        let accepted = try publisher.publish(purchase, correlationId: "corr-\(prefix)")
        let resent = try publisher.publish(purchase, correlationId: "corr-\(prefix)-again")
        let invalidId = "invalid-\(prefix)"
        var nameless = try JSONSerialization.jsonObject(with: Data(CloudEvent(
            id: invalidId, source: "payment-system", time: .now, correlationid: "corr-\(prefix)-invalid", data: Fixtures.purchase("P-\(prefix)-invalid")
        ).encoded())) as! [String: Any]
        var data = nameless["data"] as! [String: Any]
        var candidate = data["candidate"] as! [String: Any]
        candidate["firstName"] = nil
        data["candidate"] = candidate
        nameless["data"] = data
        let invalidBody = Array(try JSONSerialization.data(withJSONObject: nameless))
        try publisher.publishRaw(invalidBody, routingKey: "purchase.completed", messageId: invalidId)
        let garbledId = "garbled-\(prefix)"
        try publisher.publishRaw(Array("{not json".utf8), routingKey: "purchase.completed", messageId: garbledId)
        // The invalid one delivered again (the payment system retrying): still answered once.
        try publisher.publishRaw(invalidBody, routingKey: "purchase.completed", messageId: invalidId)
        try publisher.confirm()

        // Batches run side by side, so arrival order proves nothing. Done is: the three refused copies
        // dead-lettered (each after its transaction committed), then nothing of ours left in the outbox
        // (every answer confirmed by the broker), then the receiver's queue drained.
        let refused = [invalidId, garbledId]
        var letters: [Delivery] = []
        _ = try await eventually(timeout: .seconds(60), {
            letters += try DeadLetters.take("authorizations").filter { refused.contains($0.properties.messageId ?? "") }
            return letters.count
        }, until: { $0 >= 3 })
        #expect(letters.count == 3, "the refused messages are still dead-lettered for an operator")
        let admin = try AdminDatabase()
        let unsent = try await eventually(timeout: .seconds(60), {
            try admin.query(
                "SELECT count(*)::int AS n FROM authorizations.outbox WHERE sent_at IS NULL AND correlation_id = ANY($1::text[])",
                [["corr-\(prefix)", "corr-\(prefix)-again", "corr-\(prefix)-invalid", garbledId]]
            )[0].decode("n", as: Int.self)
        }, until: { $0 == 0 })
        #expect(unsent == 0)
        let ids: Set<String> = [accepted, resent, invalidId, garbledId]
        let received = try receiver.drain(quiet: .seconds(10), timeout: .seconds(60)) { (try? Self.answers($0, to: ids).count == ids.count) ?? false }
        let answers = try Self.answers(received, to: ids)
        try Self.checkContract(answers.values.flatMap { $0.map(\.delivery) })
        for id in ids { #expect(answers[id]?.count == 1, "\(id) answered \(answers[id]?.count ?? 0) times") }

        let first = try #require(answers[accepted]?.first)
        #expect(first.delivery.routingKey == "purchase.accepted")
        #expect(first.data["purchaseId"] as? String == purchase.purchaseId)
        #expect(first.envelope["correlationid"] as? String == "corr-\(prefix)", "the answer keeps the purchase's correlation id")
        let authorizationId = try #require(first.data["authorizationId"] as? String)
        let stored = try admin.query("SELECT id::text FROM authorizations.authorizations WHERE purchase_id = $1", [purchase.purchaseId])
        #expect(try stored.map { try $0.decode("id", as: String.self) } == [authorizationId])
        let again = try #require(answers[resent]?.first)
        #expect(again.delivery.routingKey == "purchase.accepted", "a re-send is accepted too")
        #expect(again.data["authorizationId"] as? String == authorizationId, "naming the authorization the purchase already has")
        #expect(again.envelope["correlationid"] as? String == "corr-\(prefix)-again")

        let invalid = try #require(answers[invalidId]?.first)
        #expect(invalid.delivery.routingKey == "purchase.rejected")
        #expect(invalid.data["messageType"] as? String == "purchase.completed")
        #expect(invalid.data["purchaseId"] as? String == "P-\(prefix)-invalid")
        #expect(invalid.data["field"] as? String == "data.candidate.firstName")
        #expect((invalid.data["reason"] as? String)?.contains("firstName") == true)
        #expect(invalid.envelope["id"] as? String == "rejected-\(invalidId)")
        #expect(invalid.envelope["correlationid"] as? String == "corr-\(prefix)-invalid")

        let garbled = try #require(answers[garbledId]?.first)
        #expect(garbled.delivery.routingKey == "purchase.rejected")
        #expect(garbled.data["reason"] as? String == "body is not a JSON object")
        #expect(garbled.data["purchaseId"] == nil, "nothing could be read from it but its id")
        #expect(garbled.envelope["correlationid"] as? String == garbledId)

    }

    @Test func anAttemptForABookingExamHallNeverHadIsRejectedAfterItsRetries() async throws {
        // Retries kept short: the rejection comes only after every allowed delivery, in case the booking
        // was still on its way.
        let verification = ServiceProcess("verification", port: 18084, environment: [
            "EXAMHALL_RETRY_BASE_MILLISECONDS": "20", "EXAMHALL_RETRY_MAX_SECONDS": "1",
        ])
        try await verification.start()
        defer { verification.stop() }
        let receiver = try EventTap(routingKeys: ["attempt.*"], exchange: .outbound, asPaymentSystem: true)
        let publisher = try TestPublisher()
        let bookingId = UUID().uuidString.lowercased()
        let finished = try publisher.publish(
            DeliveryAttemptFinished(bookingId: bookingId, finishedAt: .now, score: 80, maxScore: 100, passed: true), correlationId: "corr-\(prefix)-attempt"
        )
        try publisher.confirm()

        let received = try receiver.drain(quiet: .seconds(90), timeout: .seconds(120)) { (try? Self.answers($0, to: [finished]).isEmpty == false) ?? false }
        let answers = try Self.answers(received, to: [finished])
        try Self.checkContract(answers.values.flatMap { $0.map(\.delivery) })
        let answer = try #require(answers[finished]?.first)
        #expect(answers[finished]?.count == 1)
        #expect(answer.delivery.routingKey == "attempt.rejected")
        #expect(answer.data["bookingId"] as? String == bookingId)
        #expect(answer.data["field"] as? String == "data.bookingId")
        #expect((answer.data["reason"] as? String)?.hasPrefix("unknown-booking") == true)
        #expect(answer.envelope["correlationid"] as? String == "corr-\(prefix)-attempt")
        let letters = try DeadLetters.take("verification").filter { $0.properties.messageId == finished }
        #expect(letters.count == 1)
        // The queue allows 10 deliveries: the nine before the last were retried, not answered.
        let requeued = try await verification.metric("examhall_messages_consumed_total{type=\"attempt.finished\",outcome=\"requeued\"}") ?? 0
        #expect(requeued == 9, "rejected only on its last allowed delivery (requeued \(requeued) times)")
    }
}
