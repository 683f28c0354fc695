import ExamHallMessaging
import ExamHallModels
@testable import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// Decoding refuses what can never be applied, with the reason an operator reads in the dead letter.
@Suite struct DecodeStepTests {
    let route = RouteStep.candidateUpdatesOnly

    func decode(_ delivery: Delivery) throws -> Result<PreparedMessage, InboxRefusal> {
        DecodeStep().decode(delivery, with: try route.route(delivery).get())
    }

    @Test func aGoodMessageDecodesWithItsDeliveryCount() throws {
        var delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()), id: "decode-good")
        delivery.properties.headers["x-delivery-count"] = .int(3)
        let message = try decode(delivery).get()
        #expect(message.metadata.id == "decode-good")
        #expect(message.metadata.type == CandidateUpdated.type)
        #expect(message.previousDeliveries == 3)
        #expect(message.batch == nil, "a handler without handleBatch applies one message at a time")
    }

    @Test func aBodyThatIsNotJSONIsRefused() throws {
        var delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()))
        delivery.body = Array("not json".utf8)
        #expect(throws: InboxRefusal(type: "candidate.updated", reason: "body is not a JSON object")) { try decode(delivery).get() }
    }

    @Test func aPayloadMissingAFieldIsRefusedNamingIt() throws {
        let delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()))
        var json = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
        var data = try #require(json["data"] as? [String: Any])
        data["candidate"] = nil
        json["data"] = data
        var broken = delivery
        broken.body = Array(try JSONSerialization.data(withJSONObject: json))
        let refusal = try #require(throws: InboxRefusal.self) { try decode(broken).get() }
        #expect(refusal.reason.contains("candidate"), "the reason names the field: \(refusal.reason)")
    }

    @Test func aRoutingKeyThatNamesAnotherTypeIsRefused() throws {
        var delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()))
        let entry = try route.route(delivery).get()
        delivery.routingKey = "purchase.completed"
        #expect(throws: InboxRefusal(
            type: "purchase.completed", reason: "routing key 'purchase.completed' does not match event type 'candidate.updated'"
        )) { try DecodeStep().decode(delivery, with: entry).get() }
    }
}
