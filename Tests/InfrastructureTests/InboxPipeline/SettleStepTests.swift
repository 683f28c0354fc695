import ExamHallMessaging
import ExamHallModels
@testable import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Logging
import Testing

/// What the broker is told for each result: the rules of acks, requeues and dead letters.
@Suite struct SettleStepTests {
    let step = SettleStep(deliveryLimit: 3, logger: Logger(label: "test"))

    func message(previousDeliveries: Int = 0) throws -> (Delivery, PreparedMessage) {
        var delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()))
        if previousDeliveries > 0 { delivery.properties.headers["x-delivery-count"] = .int(Int64(previousDeliveries)) }
        let entry = try RouteStep.candidateUpdatesOnly.route(delivery).get()
        return (delivery, try DecodeStep().decode(delivery, with: entry).get())
    }

    @Test func appliedAndDuplicateMessagesAreAcked() throws {
        let (delivery, message) = try message()
        #expect(step.settle(delivery, message: message, result: .applied(.milliseconds(2))) == .ack)
        #expect(step.settle(delivery, message: message, result: .duplicate) == .ack)
    }

    @Test func refusedAndRejectedMessagesAreDeadLetteredWithTheirReason() throws {
        let (delivery, message) = try message()
        #expect(step.settle(delivery, refusal: InboxRefusal(type: "x", reason: "body is not a JSON object")) == .deadLetter(reason: "body is not a JSON object"))
        #expect(step.settle(delivery, message: message, result: .rejected(HandlerRejection("exam unknown"))) == .deadLetter(reason: "exam unknown"))
    }

    @Test func aFailedMessageIsRequeuedUntilItsLastAllowedDelivery() throws {
        for previous in 0..<2 {
            let (delivery, message) = try message(previousDeliveries: previous)
            #expect(step.settle(delivery, message: message, result: .failed("Boom")) == .requeue, "delivery \(previous + 1) of 3")
        }
        let (last, message) = try message(previousDeliveries: 2)
        #expect(step.settle(last, message: message, result: .failed("Boom")) == .deadLetter(reason: "failed on each of 3 deliveries; last error: Boom"))
    }
}
