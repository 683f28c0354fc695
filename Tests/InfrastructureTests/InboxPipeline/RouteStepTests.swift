import ExamHallMessaging
import ExamHallModels
@testable import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// Routing picks the handler by where a message was first published, replays included.
@Suite struct RouteStepTests {
    let step = RouteStep.candidateUpdatesOnly

    @Test func aDeliveryIsRoutedByItsExchangeAndRoutingKey() throws {
        let delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()), exchange: .inbound)
        #expect(throws: Never.self) { try step.route(delivery).get() }
    }

    @Test func theSameTypeFromAnotherExchangeHasNoHandler() throws {
        let delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()), exchange: .events)
        #expect(throws: InboxRefusal(type: "candidate.updated", reason: "no handler for 'candidate.updated' from 'examhall.events'")) {
            try step.route(delivery).get()
        }
    }

    @Test func aReplayedDeadLetterIsRoutedByItsOriginalExchangeAndKey() throws {
        var delivery = try Delivery.of(CandidateUpdated(candidate: Fixtures.candidate()), exchange: .inbound)
        delivery.exchange = ""
        delivery.routingKey = "authorizations.inbox"
        #expect(throws: InboxRefusal.self, "without its headers it names no binding") { try step.route(delivery).get() }
        delivery.properties.headers[DeadLetter.originalExchangeHeader] = .string(Exchange.inbound.rawValue)
        delivery.properties.headers[DeadLetter.originalRoutingKeyHeader] = .string("candidate.updated")
        #expect(throws: Never.self) { try step.route(delivery).get() }
        #expect(RouteStep.binding(of: delivery) == ServiceTopology.Binding(exchange: "examhall.inbound", routingKey: "candidate.updated"))
    }
}
