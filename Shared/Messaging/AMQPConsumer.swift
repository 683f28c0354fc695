import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// What to do with one delivery after its batch was handled.
public enum DeliveryDisposition: Sendable, Equatable {
    /// Done (applied, or a duplicate already applied).
    case ack
    /// Bad input: publish it to `<service>.dead` with the reason in a header, then ack it.
    case deadLetter(reason: String)
    /// Failed unexpectedly: return it to the queue after the consumer's retry delay; the delivery limit
    /// dead-letters it eventually.
    case requeue
}

public enum BatchOutcome: Sendable, Equatable {
    case settled([DeliveryDisposition])
    /// Nothing was applied because a dependency is down: hold the messages and try again later.
    case retryLater(reason: String)
}

/// Decides the fate of a batch of deliveries; ServiceKit's inbox processor is the production one.
public protocol DeliveryBatchHandler: Sendable {
    func handle(_ batch: [Delivery]) async -> BatchOutcome
}

/// Consumes a service's inbox with manual acks and a prefetch, in batches, on a connection of its own.
/// Declares the topology on every (re)connect; reconnects with back-off; on shutdown finishes the batch
/// in hand and returns the rest to the queue by closing the connection.
public final class AMQPConsumer: Service, Sendable {
    public struct Settings: Sendable {
        public var prefetch: Int
        public var batchSize: Int
        public var retryDelay: RetryDelay
        public init(prefetch: Int = 200, batchSize: Int = 100, retryDelay: RetryDelay = RetryDelay()) {
            self.prefetch = prefetch
            self.batchSize = batchSize
            self.retryDelay = retryDelay
        }
    }

    private let endpoint: AMQPEndpoint
    private let topology: ServiceTopology
    private let settings: Settings
    private let handler: any DeliveryBatchHandler
    private let logger: Logger
    private let thread = AMQPThread()
    private let connection = ThreadConfined<AMQPConnection?>(nil)
    /// Dead letters are published on a connection of their own: waiting for their confirms on the
    /// consuming connection would read (and must never lose) the deliveries arriving meanwhile.
    private let deadLetterConnection = ThreadConfined<AMQPConnection?>(nil)
    private let connected = Atomic<Bool>(false)
    /// Deliveries whose handler failed, held unacked until their retry delay has passed, then returned
    /// to the queue. Their tags belong to the current connection; a new one starts empty (closing the
    /// old one returned them).
    private let heldForRetry = ThreadConfined<[(deliveryTag: UInt64, due: ContinuousClock.Instant)]>([])

    public init(endpoint: AMQPEndpoint, topology: ServiceTopology, settings: Settings, handler: any DeliveryBatchHandler, logger: Logger) {
        self.endpoint = endpoint
        self.topology = topology
        self.settings = settings
        self.handler = handler
        self.logger = logger
    }

    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    private var shouldStop: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    public func run() async throws {
        var backoff = Backoff()
        while !shouldStop {
            do {
                try await connect()
                backoff.reset()
                try await consumeUntilStopped()
            } catch {
                logger.warning("consumer connection lost", metadata: ["queue": "\(topology.inboxQueue)", "error": "\(error)"])
            }
            await disconnect()
            if shouldStop { break }
            let wait = backoff.next()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
        await disconnect()
        await thread.shutdown()
    }

    private func connect() async throws {
        let (endpoint, topology, prefetch) = (self.endpoint, self.topology, settings.prefetch)
        try await thread.run { [self] in
            let fresh = try AMQPConnection.open(endpoint)
            try topology.declare(on: fresh)
            let deadLetters = try AMQPConnection.open(endpoint)
            try deadLetters.enableConfirms()
            try fresh.startConsuming(topology.inboxQueue, prefetch: prefetch)
            connection.value = fresh
            deadLetterConnection.value = deadLetters
            heldForRetry.value = []
        }
        connected.store(true, ordering: .relaxed)
        logger.info("consuming", metadata: ["queue": "\(topology.inboxQueue)", "broker": "\(endpoint)"])
    }

    private func disconnect() async {
        connected.store(false, ordering: .relaxed)
        _ = try? await thread.run { [self] in
            connection.value?.close()
            connection.value = nil
            deadLetterConnection.value?.close()
            deadLetterConnection.value = nil
        }
    }

    private func consumeUntilStopped() async throws {
        let batchSize = settings.batchSize
        while !shouldStop {
            let batch = try await thread.run { [self] () throws -> [Delivery] in
                guard let current = connection.value else { throw AMQPError.library("not connected") }
                try deadLetterConnection.value?.keepAlive()
                try requeueDue(on: current)
                // Short waits: a graceful stop is held up by at most one of them.
                guard let first = try current.nextDelivery(timeout: .milliseconds(100)) else { return [] }
                var batch = [first]
                // Take what is already here without waiting long: a batch becomes one database transaction.
                while batch.count < batchSize, let next = try current.nextDelivery(timeout: .milliseconds(1)) {
                    batch.append(next)
                }
                return batch
            }
            guard !batch.isEmpty else { continue }
            guard let dispositions = try await handleWithRetry(batch) else { return }
            try await settle(batch, dispositions)
        }
    }

    /// Returns to the queue the held deliveries whose retry delay has passed.
    private func requeueDue(on current: AMQPConnection) throws {
        let now = ContinuousClock.now
        guard heldForRetry.value.contains(where: { $0.due <= now }) else { return }
        for held in heldForRetry.value where held.due <= now { try current.reject(held.deliveryTag, requeue: true) }
        heldForRetry.value.removeAll { $0.due <= now }
    }

    /// Retries a batch whose dependency is down, keeping the messages unacked and heartbeats flowing.
    /// Returns nil when shutdown comes first: closing the connection then returns the messages to the queue.
    private func handleWithRetry(_ batch: [Delivery]) async throws -> [DeliveryDisposition]? {
        var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(5))
        while true {
            switch await handleKeepingAlive(batch) {
            case let .settled(dispositions):
                precondition(dispositions.count == batch.count, "a disposition for every delivery")
                return dispositions
            case let .retryLater(reason):
                logger.warning("batch held for retry", metadata: ["reason": "\(reason)", "size": "\(batch.count)"])
                let until = ContinuousClock.now + backoff.next()
                while ContinuousClock.now < until {
                    if shouldStop { return nil }
                    try await thread.run { [self] in try connection.value?.keepAlive(timeout: .milliseconds(200)) }
                }
            }
        }
    }

    /// Runs the handler while this consumer's connections keep answering heartbeats: a batch that takes
    /// longer than two heartbeats (a slow or distant database) must not get its connection closed by
    /// the broker and its messages redelivered to another consumer meanwhile.
    private func handleKeepingAlive(_ batch: [Delivery]) async -> BatchOutcome {
        await withTaskGroup(of: BatchOutcome?.self) { group in
            group.addTask { await self.handler.handle(batch) }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    if Task.isCancelled { break }
                    // A dead connection shows itself at the next receive; here only keep live ones alive.
                    _ = try? await self.thread.run { [self] in
                        try connection.value?.keepAlive()
                        try deadLetterConnection.value?.keepAlive()
                    }
                }
                return nil
            }
            var outcome: BatchOutcome?
            while outcome == nil, let next = await group.next() { outcome = next }
            group.cancelAll()
            return outcome!
        }
    }

    private func settle(_ batch: [Delivery], _ dispositions: [DeliveryDisposition]) async throws {
        let topology = self.topology
        try await thread.run { [self] in
            guard let current = connection.value, let deadLetters = deadLetterConnection.value else { throw AMQPError.library("not connected") }
            // Dead letters are confirmed by the broker before their originals are acked: never lost.
            var deadLettered = false
            for (delivery, disposition) in zip(batch, dispositions) {
                guard case let .deadLetter(reason) = disposition else { continue }
                try deadLetters.publish(DeadLetter.message(for: delivery, reason: reason, topology: topology))
                deadLettered = true
            }
            if deadLettered { try deadLetters.waitForConfirms(timeout: .seconds(10)) }
            // The usual case, a batch that is all acks or dead letters, takes one frame (unless deliveries
            // held for a retry sit among the tags a multiple ack would cover).
            if !dispositions.contains(.requeue), heldForRetry.value.isEmpty, let last = batch.map(\.deliveryTag).max(),
               Set(batch.map(\.deliveryTag)).count == batch.count {
                try current.ack(last, multiple: true)
                return
            }
            let now = ContinuousClock.now
            for (delivery, disposition) in zip(batch, dispositions) {
                switch disposition {
                case .ack, .deadLetter: try current.ack(delivery.deliveryTag)
                case .requeue:
                    heldForRetry.value.append((delivery.deliveryTag, now + settings.retryDelay.after(failedDeliveries: delivery.previousDeliveries + 1)))
                }
            }
        }
    }
}

/// The headers a dead letter carries, so an operator sees why and a replay knows where it came from.
public enum DeadLetter {
    public static let reasonHeader = "x-examhall-reason"
    public static let serviceHeader = "x-examhall-service"
    public static let originalExchangeHeader = "x-examhall-original-exchange"
    public static let originalRoutingKeyHeader = "x-examhall-original-routing-key"
    public static let deadLetteredAtHeader = "x-examhall-dead-lettered-at"

    static func message(for delivery: Delivery, reason: String, topology: ServiceTopology) -> OutgoingMessage {
        var properties = delivery.properties
        properties.persistent = true
        properties.headers[reasonHeader] = .string(String(reason.prefix(2000)))
        properties.headers[serviceHeader] = .string(topology.service)
        // A replayed letter (default exchange, origin in its headers) that fails again keeps its origin.
        let isReplay = delivery.exchange.isEmpty && properties.headers[originalExchangeHeader] != nil
        if !isReplay {
            properties.headers[originalExchangeHeader] = .string(delivery.exchange)
            properties.headers[originalRoutingKeyHeader] = .string(delivery.routingKey)
        }
        properties.headers[deadLetteredAtHeader] = .int(Int64(Date.now.timeIntervalSince1970))
        return OutgoingMessage(
            exchange: ServiceTopology.deadLetterExchange, routingKey: topology.deadRoutingKey,
            body: delivery.body, properties: properties
        )
    }
}
