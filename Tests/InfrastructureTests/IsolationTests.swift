import ExamHallMessaging
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// Each service reaches only what it owns: its schema, and on the broker its queues and exchanges.
@Suite(.serialized) struct IsolationTests {
    init() throws { try TestStack.require() }

    static let services = ["sessions", "authorizations", "verification", "notifications", "console"]

    @Test(arguments: services)
    func aServiceRoleCannotTouchAnotherSchema(_ service: String) throws {
        let connection = try PGConnection.connect(url: try TestStack.databaseURL(service), schema: service, applicationName: "isolation-test")
        for other in Self.services where other != service {
            for statement in [
                "SELECT * FROM \(other).schema_migrations",
                "CREATE TABLE \(other).intruder (id int)",
                "INSERT INTO \(other).schema_migrations (component, version, name) VALUES ('x', 999, 'x')",
            ] {
                do {
                    try connection.execute(statement)
                    Issue.record("\(service) could run: \(statement)")
                } catch let error as PostgresError {
                    #expect(error.isPermissionDenied, "\(statement): \(error)")
                }
            }
        }
        do {
            try connection.execute("CREATE TABLE public.intruder (id int)")
            Issue.record("\(service) could create a table in public")
        } catch let error as PostgresError {
            #expect(error.isPermissionDenied)
        }
    }

    @Test func thePaymentSystemCannotPublishInternalEvents() throws {
        let connection = try AMQPConnection.open(try TestStack.amqp("payment-system"))
        defer { connection.close() }
        try connection.enableConfirms()
        try connection.publish(OutgoingMessage(
            exchange: "examhall.events", routingKey: "authorization.opened", body: Array("{}".utf8), properties: MessageProperties()
        ))
        do {
            try connection.waitForConfirms(timeout: .seconds(10))
            Issue.record("the payment system published on examhall.events")
        } catch {
            #expect(error.isAccessRefused, "\(error)")
        }
    }

    @Test func thePaymentSystemCannotReadAnyQueue() throws {
        let connection = try AMQPConnection.open(try TestStack.amqp("payment-system"))
        defer { connection.close() }
        do {
            _ = try connection.get("authorizations.inbox")
            Issue.record("the payment system read a service queue")
        } catch {
            #expect(error.isAccessRefused, "\(error)")
        }
    }

    @Test func thePaymentSystemReceivesOutboundMessagesOnItsOwnQueueOnly() throws {
        let queue = "external-system.isolation-\(UUID().uuidString.prefix(8))"
        let connection = try AMQPConnection.open(try TestStack.amqp("payment-system"))
        defer { connection.close() }
        try connection.declareQueue(queue, durable: false, autoDelete: true)
        try connection.bindQueue(queue, exchange: "examhall.outbound", routingKey: "result.verified")
        #expect(try connection.get(queue) == nil)
        do {
            try connection.bindQueue(queue, exchange: "examhall.events", routingKey: "#")
            Issue.record("the payment system bound a queue to the internal events")
        } catch {
            #expect(error.isAccessRefused, "\(error)")
        }
    }

    @Test func thePaymentSystemMayPublishInbound() throws {
        let connection = try AMQPConnection.open(try TestStack.amqp("payment-system"))
        defer { connection.close() }
        try connection.enableConfirms()
        // Routed nowhere (no binding for this key), but accepted and confirmed.
        try connection.publish(OutgoingMessage(exchange: "examhall.inbound", routingKey: "isolation.probe", body: [], properties: MessageProperties()))
        try connection.waitForConfirms(timeout: .seconds(10))
    }

    @Test func aServiceCannotPublishAsAnExternalSystem() throws {
        let connection = try AMQPConnection.open(try TestStack.amqp("sessions"))
        defer { connection.close() }
        try connection.enableConfirms()
        try connection.publish(OutgoingMessage(exchange: "examhall.inbound", routingKey: "purchase.completed", body: [], properties: MessageProperties()))
        do {
            try connection.waitForConfirms(timeout: .seconds(10))
            Issue.record("a service published on examhall.inbound")
        } catch {
            #expect(error.isAccessRefused, "\(error)")
        }
    }
}
