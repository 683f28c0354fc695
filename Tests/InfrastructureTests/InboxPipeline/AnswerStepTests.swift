import ExamHallMessaging
import ExamHallModels
@testable import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Logging
import Testing

/// The answers to refused inbound messages, written by the pipeline into the real outbox: one per
/// refused message however often it comes, and none for a failure that may still pass.
@Suite(.serialized) struct AnswerStepTests {
    struct NotYet: RejectedOnLastDelivery {
        var rejection: HandlerRejection { HandlerRejection("unknown-booking: never heard of it", field: "data.bookingId") }
    }

    /// Rejects purchases whose exam is `REFUSED`, and fails (not yet known) those whose exam is `LATER`.
    struct Judging: EventHandler {
        func handle(_ event: CloudEvent<PurchaseCompleted>, context: HandlerContext) throws {
            switch event.data.examCode {
            case "REFUSED": throw HandlerRejection("exam REFUSED is not sold", field: "data.examCode")
            case "LATER": throw NotYet()
            default: return
            }
        }
    }

    let database: DatabasePool
    let processor: InboxProcessor

    init() throws {
        try TestStack.require()
        let logger = Logger(label: "test")
        database = try TestStack.databasePool("authorizations", applicationName: "answer-test")
        var registry = HandlerRegistry()
        registry.register(Judging(), from: .inbound, answering: true)
        processor = InboxProcessor(registry: registry, database: database, source: "test", deliveryLimit: 3, logger: logger)
    }

    func answers(to messageId: String) async throws -> [(routingKey: String, data: [String: Any])] {
        let rows = try await database.withConnection { connection in
            try connection.query("SELECT routing_key, body FROM outbox WHERE message_id = $1", ["rejected-\(messageId)"]).map { row in
                (try row.decode("routing_key", as: String.self), try row.decode("body", as: String.self))
            }
        }
        return try rows.map { routingKey, body in
            let envelope = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            return (routingKey, envelope?["data"] as? [String: Any] ?? [:])
        }
    }

    func delivery(exam: String, previousDeliveries: Int = 0) throws -> Delivery {
        var delivery = try Delivery.of(Fixtures.purchase(examCode: exam))
        if previousDeliveries > 0 { delivery.properties.headers["x-delivery-count"] = .int(Int64(previousDeliveries)) }
        return delivery
    }

    @Test func aMessageThatDoesNotDecodeIsAnsweredOnceHoweverOftenItComes() async throws {
        var broken = try delivery(exam: "CLOUD-101")
        broken.body = Array("[1, 2".utf8)
        let id = try #require(broken.properties.messageId)
        for _ in 0..<2 {
            #expect(await processor.handle([broken]) == .settled([.deadLetter(reason: "body is not a JSON object")]))
        }
        let answers = try await answers(to: id)
        #expect(answers.count == 1)
        #expect(answers.first?.routingKey == "purchase.rejected")
        #expect(answers.first?.data["messageId"] as? String == id)
        #expect(answers.first?.data["reason"] as? String == "body is not a JSON object")
    }

    @Test func aHandlerRejectionIsAnsweredWithItsFieldAndTheOthersApply() async throws {
        let refused = try delivery(exam: "REFUSED"), fine = try delivery(exam: "CLOUD-101")
        #expect(await processor.handle([fine, refused]) == .settled([.ack, .deadLetter(reason: "exam REFUSED is not sold")]))
        let answers = try await answers(to: try #require(refused.properties.messageId))
        #expect(answers.count == 1)
        #expect(answers.first?.data["field"] as? String == "data.examCode")
        #expect(answers.first?.data["purchaseId"] is String)
        #expect(try await self.answers(to: try #require(fine.properties.messageId)).isEmpty)
    }

    @Test func everyAnswerIsWhatDocsAsyncapiSays() throws {
        let delivery = try delivery(exam: "CLOUD-101")
        let message = try DecodeStep().decode(delivery, with: try RouteStep(registry: {
            var registry = HandlerRegistry()
            registry.register(Judging(), from: .inbound, answering: true)
            return registry
        }()).route(delivery).get()).get()
        let answer = AnswerStep(source: "examhall-test")
        let rejection = HandlerRejection("exam CLOUD-101 is not sold", field: "data.examCode")
        let events: [any RejectionEvent.Type] = [PurchaseRejected.self, CandidateRejected.self, PaymentRejected.self, AttemptRejected.self]
        for event in events {
            let row = try answer.row(rejecting: message, rejection, event: event, now: .now)
            #expect(row.exchange == "examhall.outbound" && row.routingKey == event.type.rawValue)
            let violations = try AsyncAPIContract.violations(of: Array(row.body.utf8), channel: "examhall.outbound/\(row.routingKey)")
            #expect(violations.isEmpty, "\(row.routingKey): \(violations)")
        }
        let garbled = try answer.row(refusing: Delivery(
            deliveryTag: 1, exchange: "examhall.inbound", routingKey: "payment.completed", redelivered: false, body: Array("{".utf8),
            properties: MessageProperties(messageId: "m-1", type: "payment.completed")
        ), InboxRefusal(type: "payment.completed", reason: "body is not a JSON object"), event: PaymentRejected.self, now: .now)
        #expect(try AsyncAPIContract.violations(of: Array(garbled.body.utf8), channel: "examhall.outbound/payment.rejected").isEmpty)
        let accepted = try OutboxWriter(source: "examhall-test", correlationId: "c-1", causationId: "m-2", now: .now)
            .row(PurchaseAccepted(messageId: "m-2", purchaseId: "P-1", authorizationId: UUID().uuidString.lowercased()), to: .outbound).1
        #expect(try AsyncAPIContract.violations(of: Array(accepted.body.utf8), channel: "examhall.outbound/purchase.accepted").isEmpty)
    }

    @Test func aFailureThatMayPassIsAnsweredOnlyOnItsLastDelivery() async throws {
        let early = try delivery(exam: "LATER", previousDeliveries: 1)
        #expect(await processor.handle([early]) == .settled([.requeue]))
        let id = try #require(early.properties.messageId)
        #expect(try await answers(to: id).isEmpty, "it may still pass: no answer yet")
        var last = early
        last.properties.headers["x-delivery-count"] = .int(2)
        #expect(await processor.handle([last]) == .settled([.deadLetter(reason: "unknown-booking: never heard of it")]))
        let answers = try await answers(to: id)
        #expect(answers.count == 1)
        #expect(answers.first?.data["field"] as? String == "data.bookingId")
    }
}
