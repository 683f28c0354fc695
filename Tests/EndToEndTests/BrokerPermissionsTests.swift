import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// Least privilege on the broker, as `scripts/stack` and the deployment's definitions grant it: a
/// service publishes only its own event types, nobody but the payment system writes to
/// `examhall.inbound`, the payment system writes nowhere else, and no service configures what it shares.
@Suite(.serialized) struct BrokerPermissionsTests {
    init() throws { try TestStack.require() }

    /// Publishes one message as `user` and waits for the broker's answer: nil when it was confirmed,
    /// else the refusal.
    static func publish(as user: String, _ routingKey: String, on exchange: Exchange) -> (any Error)? {
        do {
            let publisher = try TestPublisher(as: user)
            try publisher.publishRaw(Array(#"{"permission":"check"}"#.utf8), routingKey: routingKey, messageId: "perm-\(UUID())", exchange: exchange)
            try publisher.confirm()
            return nil
        } catch {
            return error
        }
    }

    @Test func aServicePublishesOnlyItsOwnEventTypes() throws {
        // Its own: confirmed (bound to nobody here, they are kept apart as observed or unroutable).
        #expect(Self.publish(as: "sessions", "booking.confirmed", on: .events) == nil)
        #expect(Self.publish(as: "authorizations", "purchase.accepted", on: .outbound) == nil)
        // Another service's, or the payment system's answer it does not give: refused by the broker.
        let forged = try #require(Self.publish(as: "sessions", "authorization.opened", on: .events), "sessions published authorization.opened")
        #expect((forged as? AMQPError)?.isAccessRefused == true, "\(forged)")
        #expect(Self.publish(as: "notifications", "result.verified", on: .outbound) != nil, "only verification sends results out")
        #expect(Self.publish(as: "console", "booking.confirmed", on: .events) != nil, "the console publishes nothing")
        #expect(Self.publish(as: "verification", "purchase.completed", on: .inbound) != nil, "no service writes as the payment system")
    }

    @Test func thePaymentSystemWritesOnlyToInbound() throws {
        #expect(Self.publish(as: "payment-system", "purchase.completed", on: .inbound) == nil)
        let refused = try #require(Self.publish(as: "payment-system", "booking.confirmed", on: .events), "the payment system published to examhall.events")
        #expect((refused as? AMQPError)?.isAccessRefused == true, "\(refused)")
        #expect(Self.publish(as: "payment-system", "result.verified", on: .outbound) != nil)
    }

    @Test func aServiceCannotReconfigureTheSharedExchanges() throws {
        for user in ["sessions", "authorizations", "verification", "notifications", "console"] {
            let connection = try AMQPConnection.open(try TestStack.amqp(user))
            defer { connection.close() }
            do {
                try connection.declareExchange("examhall.events", type: "topic")
                Issue.record("\(user) declared examhall.events")
            } catch {
                #expect(error.isAccessRefused, "\(user): \(error)")
            }
        }
    }
}
