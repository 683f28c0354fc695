import Logging
import ServiceLifecycle
import Synchronization

/// Publishes with publisher confirms on a connection of its own (never shared with a consumer).
/// `publish` returns only once the broker has taken responsibility for every message; otherwise it
/// throws and the caller publishes again (receivers de-duplicate by message id).
public final class AMQPPublisher: Service, Sendable {
    private let endpoint: AMQPEndpoint
    private let logger: Logger
    private let confirmTimeout: Duration
    private let thread = AMQPThread()
    private let connection = ThreadConfined<AMQPConnection?>(nil)
    private let connected = Atomic<Bool>(false)

    public init(endpoint: AMQPEndpoint, logger: Logger, confirmTimeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.logger = logger
        self.confirmTimeout = confirmTimeout
    }

    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    public func publish(_ messages: [OutgoingMessage]) async throws {
        guard !messages.isEmpty else { return }
        let timeout = confirmTimeout
        try await thread.run { [self] in
            let current = try openIfNeeded()
            do {
                for message in messages { try current.publish(message) }
                try current.waitForConfirms(timeout: timeout)
            } catch {
                drop()
                throw error
            }
        }
    }

    /// Connects at once (readiness waits for it), then keeps the idle connection's heartbeats flowing
    /// and reconnects a lost one until shutdown, then closes it.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            _ = try? await thread.run { [self] in
                do {
                    if let current = connection.value { try current.keepAlive() } else { _ = try openIfNeeded() }
                } catch {
                    drop()
                }
            }
            // Often enough that a silent broker is noticed well within two heartbeats.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
        }
        _ = try? await thread.run { [self] in
            connection.value?.close()
            connection.value = nil
            connected.store(false, ordering: .relaxed)
        }
        await thread.shutdown()
    }

    private func openIfNeeded() throws -> AMQPConnection {
        if let current = connection.value { return current }
        do {
            let fresh = try AMQPConnection.open(endpoint)
            try fresh.enableConfirms()
            connection.value = fresh
            connected.store(true, ordering: .relaxed)
            logger.info("publisher connected", metadata: ["broker": "\(endpoint)"])
            return fresh
        } catch {
            connected.store(false, ordering: .relaxed)
            throw error
        }
    }

    private func drop() {
        if connection.value != nil { logger.warning("publisher connection dropped") }
        connection.value?.close()
        connection.value = nil
        connected.store(false, ordering: .relaxed)
    }
}
