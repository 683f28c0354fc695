import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// How big a chaos run is: `scripts/test` runs each scenario short, still asserting exact counts;
/// `scripts/chaos` sets `EXAMHALL_CHAOS=full` for the sizes the suite is specified with.
enum ChaosScale {
    static let isFull = ProcessInfo.processInfo.environment["EXAMHALL_CHAOS"] == "full"

    static func pick<T>(short: T, full: T) -> T { isFull ? full : short }
}

/// Purchases sent to the authorizations service under fire, and the verdict on what came of them:
/// one authorization, one `authorization.opened` row in the outbox and one such event on the bus per
/// purchase, nothing else.
final class PurchaseFlow: @unchecked Sendable {
    let prefix = "chaos-\(UUID().uuidString.prefix(8).lowercased())"
    let admin = AdminDatabase()
    private let lock = NSLock()
    private var sentKeys: [String] = []
    /// Purchase ids published and confirmed so far (a generator may publish from another task).
    var sent: [String] { lock.withLock { sentKeys } }
    /// Where the bus is watched; nil in scenarios that kill the broker, which takes a tap's queue with it.
    private let tap: EventTap?
    private var tapped: [Delivery] = []

    init(watchingTheBus: Bool = true) throws {
        try TestStack.require()
        try TestStack.purgeQueues(["authorizations.inbox", "authorizations.dead"])
        tap = watchingTheBus ? try EventTap(routingKeys: ["authorization.opened"]) : nil
    }

    /// Publishes `count` new purchases with confirms, over `publisher` or else a fresh connection (the
    /// broker may have restarted since the last batch).
    func publish(_ count: Int, over publisher: TestPublisher? = nil) throws {
        try publishNew(count, over: publisher) { publisher, purchase in try publisher.publish(purchase) }
    }

    /// Publishes `count` new purchases three times each: under an id starting with `requeuedPrefix`
    /// twice (a redelivery), then under a new id (a re-send of the same purchase).
    func publishThreeWays(_ count: Int, requeuedPrefix: String) throws {
        try publishNew(count) { publisher, purchase in
            let id = "\(requeuedPrefix)\(UUID().uuidString.lowercased())"
            try publisher.publish(purchase, id: id)
            try publisher.publish(purchase, id: id)
            try publisher.publish(purchase)
        }
    }

    /// Makes `count` new purchases, has `send` publish each, waits for the confirms and records them sent.
    private func publishNew(_ count: Int, over publisher: TestPublisher? = nil, send: (TestPublisher, PurchaseCompleted) throws -> Void) throws {
        let publisher = try publisher ?? inboxPublisher()
        let first = lock.withLock { sentKeys.count }
        let batch = (first..<first + count).map { "\(prefix)-\($0)" }
        for (index, purchaseId) in zip(first..., batch) {
            try send(publisher, Fixtures.purchase(purchaseId, candidate: Fixtures.candidate("cand-\(prefix)-\(index % 50)")))
        }
        try publisher.confirm()
        lock.withLock { sentKeys += batch }
    }

    /// Runs the service once until ready, for scenarios that publish before their first service is up:
    /// it declares and binds its inbox.
    func bindInbox(port: Int) async throws {
        let service = ServiceProcess("authorizations", port: port)
        try await service.start()
        service.stop()
    }

    /// A publisher for purchases, once the authorizations inbox exists. A purchase published where the
    /// inbox is missing (a broker restarted without its topology) waits in `examhall.unroutable`: that is
    /// a scenario that forgot to set the broker up, not a loss to count against it.
    func inboxPublisher() throws -> TestPublisher {
        let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
        defer { connection.close() }
        guard (try? connection.declareQueue("authorizations.inbox", passive: true)) != nil else {
            throw TestStack.Failure(description: "authorizations.inbox does not exist yet: start examhall-authorizations before publishing")
        }
        return try TestPublisher()
    }

    /// Publishes `total` purchases at about `perSecond`, in a chunk every 100 ms: a steady stream for
    /// the scenario's faults to land in.
    func stream(_ total: Int, perSecond: Int) async throws {
        var published = 0
        while published < total {
            let chunk = min(max(perSecond / 10, 1), total - published)
            try publish(chunk)
            published += chunk
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func column(_ sql: String) throws -> [String] {
        try admin.query(sql, ["\(prefix)-%"]).map { try $0.decode("key", as: String.self) }
    }

    /// The purchase id of every authorization.
    func authorizationKeys() throws -> [String] {
        try column("SELECT purchase_id AS key FROM authorizations.authorizations WHERE purchase_id LIKE $1")
    }

    /// The purchase id of every `authorization.opened` row written to the outbox.
    func openedRowKeys() throws -> [String] {
        try column("SELECT body::jsonb -> 'data' ->> 'purchaseId' AS key FROM authorizations.outbox WHERE routing_key = 'authorization.opened' AND body::jsonb -> 'data' ->> 'purchaseId' LIKE $1")
    }

    func applied() throws -> Int {
        try admin.query("SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id LIKE $1", ["\(prefix)-%"])[0].decode("n")
    }

    func unsent() throws -> Int {
        try admin.query("SELECT count(*) AS n FROM authorizations.outbox WHERE sent_at IS NULL AND body::jsonb -> 'data' ->> 'purchaseId' LIKE $1", ["\(prefix)-%"])[0].decode("n")
    }

    /// Purchases published but not yet applied.
    func backlog() throws -> Int {
        let sent = self.sent.count
        return sent - (try applied())
    }

    /// Waits until every purchase has its authorization and every event was published. Probes that fail
    /// while the database restarts count as "not yet".
    func waitUntilSettled(timeout: Duration = .seconds(300)) async throws {
        let expected = sent.count
        let settled = try await eventually(timeout: timeout, { (try? applied(), try? unsent()) }, until: { ($0.0 ?? 0) >= expected && $0.1 == 0 })
        #expect(settled.0 == expected && settled.1 == 0, "settled: \(settled.0 ?? -1) of \(expected) applied, \(settled.1 ?? -1) unsent")
    }

    /// Every check of the run, each of which must be exact; and how many extra copies of already-seen
    /// events crossed the bus. The relay publishes at least once: a crash between the broker's confirm
    /// and marking the row sent repeats the message with the same id, which every inbox skips.
    func verdict() throws -> (checks: [EffectCheck], wireCopies: Int) {
        if let tap { tapped += try tap.drain(quiet: .seconds(3), until: { $0.count >= self.sent.count }) }
        var purchaseByEventId: [String: String] = [:]
        for delivery in tapped {
            let event = try EnvelopeDecoder.decode(AuthorizationOpened.self, from: delivery.body)
            guard event.data.purchaseId.hasPrefix(prefix) else { continue }
            purchaseByEventId[event.id] = event.data.purchaseId
        }
        var checks = [
            EffectCheck("authorizations", expected: sent, observed: try authorizationKeys()),
            EffectCheck("authorization.opened outbox rows", expected: sent, observed: try openedRowKeys()),
        ]
        if tap != nil { checks.append(EffectCheck("authorization.opened events (distinct ids)", expected: sent, observed: purchaseByEventId.values)) }
        let relevant = tapped.count { delivery in
            (try? EnvelopeDecoder.decode(AuthorizationOpened.self, from: delivery.body).data.purchaseId.hasPrefix(prefix)) == true
        }
        return (checks, relevant - purchaseByEventId.count)
    }

    /// Asserts the run was exact, the inbox drained and nothing was dead-lettered; returns the copies.
    @discardableResult
    func expectExact(_ scenario: String) throws -> Int {
        let (checks, copies) = try verdict()
        for check in checks { #expect(check.isExact, "\(scenario): \(check)") }
        #expect(try TestStack.queueDepth("authorizations.inbox") == 0, "\(scenario): inbox drained")
        let dead = try DeadLetters.take("authorizations")
        #expect(dead.isEmpty, "\(scenario): \(dead.count) dead letters")
        print("chaos \(scenario): \(checks.map(\.description).joined(separator: "; ")); \(copies) repeated copies on the wire")
        return copies
    }
}
