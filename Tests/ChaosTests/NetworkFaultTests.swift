import ExamHallTestSupport
import Foundation
import Synchronization
import Testing

/// The authorizations service reaches RabbitMQ and PostgreSQL only through fault proxies, which add
/// a second of latency, blackhole each server for 5–6 s and reset every connection while purchases flow.
@Suite(.serialized) struct NetworkFaultTests {
    static let heartbeat = 2
    /// Longer than the two heartbeats within which it must be noticed.
    static let brokerBlackhole = Duration.seconds(6)

    @Test func latencyBlackholesAndResetsLoseNothingAndDeadConnectionsAreNoticed() async throws {
        let total = ChaosScale.pick(short: 4_000, full: 10_000)
        let flow = try PurchaseFlow()
        let proxied = try ProxiedAuthorizations(heartbeat: Self.heartbeat)
        defer { proxied.shutdown() }
        let (broker, database, service) = (proxied.broker, proxied.database, proxied.service)
        try await service.start()
        #expect(broker.connectionCount >= 2 && database.connectionCount >= 1, "the service's connections go through the proxies")

        let streaming = Atomic(true)
        let stream = Task {
            defer { streaming.store(false, ordering: .relaxed) }
            try await flow.stream(total, perSecond: 250)
        }

        // 500 ms each way on every connection: slow, but nothing breaks.
        broker.setLatency(.milliseconds(500))
        database.setLatency(.milliseconds(500))
        try await Task.sleep(for: .seconds(4))
        broker.setLatency(.zero)
        database.setLatency(.zero)
        #expect(service.isRunning)
        try await service.waitUntilReady(timeout: .seconds(30))

        // The broker goes silent: missed heartbeats must reveal the dead connections.
        let silence = ContinuousClock.now
        broker.blackhole()
        var noticedAfter: Duration?
        while ContinuousClock.now - silence < Self.brokerBlackhole {
            if noticedAfter == nil, await Self.answersNotReady(service) { noticedAfter = ContinuousClock.now - silence }
            try await Task.sleep(for: .milliseconds(100))
        }
        broker.heal()
        let noticed = try #require(noticedAfter, "a \(Self.brokerBlackhole) blackhole of the broker went unnoticed")
        // Measured from the start of the silence, this probe's polling included.
        #expect(noticed <= .seconds(2 * Self.heartbeat), "dead broker connection noticed after \(noticed)")
        print("chaos network: broker blackhole noticed after \(noticed) (heartbeat \(Self.heartbeat) s)")
        try await service.waitUntilReady(timeout: .seconds(30))

        // The database goes silent: readiness says so within its two-second round-trip limit, work
        // stalls and resumes when it is back, nothing is lost.
        let databaseSilence = ContinuousClock.now
        database.blackhole()
        var databaseNoticedAfter: Duration?
        while ContinuousClock.now - databaseSilence < .seconds(5) {
            if databaseNoticedAfter == nil, await Self.answersNotReady(service) { databaseNoticedAfter = ContinuousClock.now - databaseSilence }
            try await Task.sleep(for: .milliseconds(100))
        }
        database.heal()
        let databaseNoticed = try #require(databaseNoticedAfter, "readiness did not notice a 5 s blackhole of the database")
        #expect(databaseNoticed <= .seconds(3), "readiness noticed the silent database after \(databaseNoticed)")
        print("chaos network: database blackhole noticed by readiness after \(databaseNoticed)")
        try await service.waitUntilReady(timeout: .seconds(30))

        // Every connection reset at once.
        broker.resetAll()
        database.resetAll()
        try await service.waitUntilReady(timeout: .seconds(30))
        let stillStreaming = streaming.load(ordering: .relaxed)
        #expect(stillStreaming, "the faults landed while purchases were still arriving")

        try await stream.value
        try await flow.waitUntilSettled()
        #expect(service.isRunning, "the service rode out every fault without restarting")
        service.stop()
        try flow.expectExact("network faults (500 ms latency, 5 s blackholes, resets), \(total) purchases")
    }

    /// Readiness answering 503: a probe that gets no answer at all is not the service noticing anything.
    static func answersNotReady(_ service: ServiceProcess) async -> Bool {
        (try? await service.get("/health/ready", timeout: 10))?.status == 503
    }

    /// With a one-second heartbeat and 500 ms of latency each way, a batch can take longer than the two
    /// heartbeats after which RabbitMQ drops a silent client, while deliveries keep arriving. The service
    /// must speak for its connections all along: not one of them may be lost to slowness alone.
    @Test func aSlowNetworkCostsNoHealthyBrokerConnection() async throws {
        let flow = try PurchaseFlow()
        let proxied = try ProxiedAuthorizations(heartbeat: 1)
        defer { proxied.shutdown() }
        let (broker, database, service) = (proxied.broker, proxied.database, proxied.service)
        try await service.start()
        let connected = broker.acceptedCount
        broker.setLatency(.milliseconds(500))
        database.setLatency(.milliseconds(500))
        try await flow.stream(1_500, perSecond: 250)
        try await Task.sleep(for: .seconds(2))
        broker.setLatency(.zero)
        database.setLatency(.zero)
        #expect(broker.acceptedCount == connected, "broker connections were lost to latency alone:\n\(service.logTail(10))")
        try await flow.waitUntilSettled()
        service.stop()
        try flow.expectExact("500 ms of latency each way with a 1 s heartbeat, 1,500 purchases")
    }
}

/// The authorizations service (not started yet), reaching the broker and the database only through
/// fault proxies.
struct ProxiedAuthorizations {
    let broker: FaultProxy
    let database: FaultProxy
    let service: ServiceProcess

    init(heartbeat: Int) throws {
        let stack = try TestStack.environment(for: "authorizations")
        let (amqp, postgres) = (try #require(stack["EXAMHALL_AMQP_URL"]), try #require(stack["EXAMHALL_DATABASE_URL"]))
        // The stack's ports as `scripts/stack env` gives them, whatever they are on this machine.
        broker = try FaultProxy(upstreamPort: try TestStack.port(of: amqp))
        database = try FaultProxy(upstreamPort: try TestStack.port(of: postgres))
        service = ServiceProcess("authorizations", port: 18265, environment: [
            "EXAMHALL_AMQP_URL": try TestStack.replacingPort(of: amqp, with: broker.port) + "?heartbeat=\(heartbeat)",
            "EXAMHALL_DATABASE_URL": try TestStack.replacingPort(of: postgres, with: database.port),
        ])
    }

    /// Stops the service, then the proxies.
    func shutdown() {
        service.stop()
        broker.shutdown()
        database.shutdown()
    }
}
