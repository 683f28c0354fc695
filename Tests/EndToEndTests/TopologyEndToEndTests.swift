import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// The broker's topology exists before any service runs, keeps what nobody consumes, and refuses
/// messages too large for any consumer, at publish.
@Suite(.serialized) struct TopologyEndToEndTests {
    let admin = AdminDatabase()
    let prefix = "topo-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws {
        try TestStack.require()
    }

    @Test func purchasesPublishedBeforeTheServiceEverRanAreEachAppliedOnce() async throws {
        // As on a brand-new broker: no authorizations inbox until the stack declares the topology,
        // which it does from the deployment's definitions, before any service starts.
        do {
            let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
            defer { connection.close() }
            try connection.deleteQueue("authorizations.inbox")
        }
        try TestStack.purgeQueues(["authorizations.dead"])
        try TestStack.control("topology")
        #expect(try TestStack.queueDepth("authorizations.inbox") == 0)

        let publisher = try TestPublisher()
        for index in 0..<1000 {
            try publisher.publish(Fixtures.purchase("\(prefix)-\(index)", candidate: Fixtures.candidate("cand-\(prefix)-\(index % 50)")))
        }
        try publisher.confirm()
        #expect(try TestStack.queueDepth("authorizations.inbox") == 1000, "the broker keeps every purchase for the service to come")

        let service = ServiceProcess("authorizations", port: 18082)
        try await service.start()
        defer { service.stop() }
        let open = try await eventually(timeout: .seconds(180), {
            try admin.query(
                "SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id LIKE $1 AND status = 'open'", ["\(prefix)-%"]
            )[0].decode("n", as: Int.self)
        }, until: { $0 >= 1000 })
        #expect(open == 1000)
        #expect(try DeadLetters.take("authorizations").isEmpty)
        #expect(try await service.metric("examhall_ready") == 1, "/metrics says the replica is ready, for the alert rules")
    }

    @Test func anEventWithARoutingKeyNobodyConsumesIsKeptOnTheUnroutableQueue() throws {
        try TestStack.purgeQueues([ServiceTopology.unroutable, TopologyDefinitions.observedQueue])
        let inbound = try TestPublisher()
        try inbound.publishRaw(Array(#"{"from":"the payment system"}"#.utf8), routingKey: "voucher.issued", messageId: "\(prefix)-inbound")
        try inbound.confirm()
        // Services may publish only their own event types; an operator's tool may publish anything.
        let events = try TestPublisher(as: "admin")
        try events.publishRaw(Array(#"{"from":"an operator"}"#.utf8), routingKey: "nobody.listens", messageId: "\(prefix)-events", exchange: .events)
        try events.confirm()
        // Published for observers by design: kept apart, not counted as unroutable.
        let notifications = try TestPublisher(as: "notifications")
        try notifications.publishRaw(Array(#"{"for":"observers"}"#.utf8), routingKey: "notification.sent", messageId: "\(prefix)-observed", exchange: .events)
        try notifications.confirm()

        let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { connection.close() }
        var kept: [Delivery] = []
        while let delivery = try connection.get(ServiceTopology.unroutable, autoAck: true) { kept.append(delivery) }
        let seen = Set(kept.map { "\($0.exchange) \($0.routingKey) \($0.properties.messageId ?? "")" })
        #expect(seen == ["examhall.inbound voucher.issued \(prefix)-inbound", "examhall.events nobody.listens \(prefix)-events"])
        let observed = try connection.get(TopologyDefinitions.observedQueue, autoAck: true)
        #expect(observed?.properties.messageId == "\(prefix)-observed")
    }

    @Test func aMessageOverOneMebibyteIsRefusedAtPublish() throws {
        let publisher = try TestPublisher()
        try publisher.publishRaw(Array(repeating: UInt8(ascii: "x"), count: 2 << 20), routingKey: "purchase.completed", messageId: "\(prefix)-large")
        #expect(throws: (any Error).self, "the broker closes the channel instead of confirming") { try publisher.confirm() }
    }
}
