import Logging
import ServiceLifecycle
import Synchronization

/// Publishes with publisher confirms and `mandatory` on a connection of its own (never shared with a
/// consumer). `publish` returns once the broker has settled every message, naming those it did not
/// take; if the connection fails it throws and nothing is known (the caller publishes all again;
/// receivers de-duplicate by message id).
public final class AMQPPublisher: Service, Sendable {
    private let endpoint: AMQPEndpoint
    private let logger: Logger
    private let confirmTimeout: Duration
    private let thread = AMQPThread()
    private let connection = ThreadConfined<AMQPConnection?>(nil)
    private let connected = Atomic<Bool>(false)
    private let blocked = Atomic<Bool>(false)

    public init(endpoint: AMQPEndpoint, logger: Logger, confirmTimeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.logger = logger
        self.confirmTimeout = confirmTimeout
    }

    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// The broker holds publishes (a memory or disk alarm): outbox rows wait until it clears.
    public var isBlocked: Bool { blocked.load(ordering: .relaxed) }

    /// Publishes `messages` and returns, by their index, those the broker refused (a queue at its
    /// length limit), returned (no queue took them) or forbade (the user's permissions do not allow that
    /// exchange or routing key), with why; the others are the broker's now.
    public func publish(_ messages: [OutgoingMessage]) async throws -> [Int: PublishRefusal] {
        guard !messages.isEmpty else { return [:] }
        return try await thread.run { [self] in
            do {
                return try publishOnce(messages)
            } catch let error as AMQPError where error.isAccessRefused {
                // The broker closes the channel without naming the message it forbade: publish them one
                // by one, so that only the forbidden ones are held back and the rest go out.
                var refused: [Int: PublishRefusal] = [:]
                for (index, message) in messages.enumerated() {
                    do {
                        if let refusal = try publishOnce([message])[0] { refused[index] = refusal }
                    } catch let error as AMQPError where error.isAccessRefused {
                        refused[index] = PublishRefusal(
                            kind: .forbidden,
                            detail: "refused by the broker (403 ACCESS_REFUSED): this service may not publish \(message.routingKey) to \(message.exchange)"
                        )
                    }
                }
                return refused
            }
        }
    }

    /// One batch on the current connection (opened if needed); any failure drops the connection.
    private func publishOnce(_ messages: [OutgoingMessage]) throws -> [Int: PublishRefusal] {
        let current = try openIfNeeded()
        // Publishing into an alarm would only wait for confirms that cannot come until it clears.
        if current.isBlocked {
            blocked.store(true, ordering: .relaxed)
            replace()
            throw AMQPError.blocked
        }
        do {
            var indexByTag: [UInt64: Int] = [:]
            for (index, message) in messages.enumerated() {
                if let tag = try current.publish(message, mandatory: true) { indexByTag[tag] = index }
            }
            let outcome = try current.awaitConfirms(timeout: confirmTimeout)
            var refused: [Int: PublishRefusal] = [:]
            for tag in outcome.nacked {
                if let index = indexByTag[tag] { refused[index] = PublishRefusal(kind: .refused, detail: "refused by the broker (basic.nack): a queue is full") }
            }
            if !outcome.returned.isEmpty {
                // A return names the message by its id, not by its delivery tag.
                let indexById = Dictionary(messages.indices.compactMap { index in messages[index].properties.messageId.map { ($0, index) } }) { first, _ in first }
                for returned in outcome.returned {
                    guard let messageId = returned.messageId, let index = indexById[messageId] else { continue }
                    let message = messages[index]
                    refused[index] = PublishRefusal(
                        kind: .returned,
                        detail: "returned by the broker (\(returned.reason)): no queue is bound for \(message.exchange) \(message.routingKey)"
                    )
                }
            }
            if isBlocked { logger.info("the broker takes publishes again") }
            blocked.store(false, ordering: .relaxed)
            return refused
        } catch let error as AMQPError where error.isAccessRefused {
            // The broker closed the channel over a message this user may not publish: the broker is
            // reachable, so the connection is replaced at once and readiness does not flap.
            replace()
            throw error
        } catch {
            guard case .blocked? = error as? AMQPError else {
                drop()
                throw error
            }
            if !isBlocked { logger.warning("the broker holds publishes (memory or disk alarm); the outbox waits") }
            blocked.store(true, ordering: .relaxed)
            replace()
            throw error
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
            close()
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

    /// A connection the broker blocked is given up without a handshake (the broker does not read it) and
    /// replaced at once: the broker itself is reachable, and readiness says so.
    private func replace() {
        close()
        _ = try? openIfNeeded()
    }

    private func drop() {
        if connection.value != nil { logger.warning("publisher connection dropped") }
        close()
        connected.store(false, ordering: .relaxed)
    }

    private func close() {
        connection.value?.close()
        connection.value = nil
    }
}

/// Why the broker did not take a published message.
public struct PublishRefusal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// basic.nack: a queue it was routed to is at its length limit.
        case refused
        /// basic.return of a mandatory message: no queue is bound for it.
        case returned
        /// The channel was closed with 403 ACCESS_REFUSED: the user may not publish there (topic permissions).
        case forbidden
    }

    public var kind: Kind
    /// What an operator reads in the outbox row's `last_error` and the log.
    public var detail: String
}
