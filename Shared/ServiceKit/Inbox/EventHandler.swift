import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation
import Logging

/// Reacts to one event type inside the batch's database transaction: load, decide (a pure function),
/// store and write the outbox through `context`. Throw `HandlerRejection` for input that can never be
/// applied; any other error returns the message to the queue.
public protocol EventHandler: Sendable {
    associatedtype Event: EventPayload
    func handle(_ event: CloudEvent<Event>, context: HandlerContext) throws
}

/// A handler that can also apply many events of its type at once, with set-based statements instead of
/// a few per event: ingestion of a stream of purchases is then a handful of round trips per batch, not
/// hundreds. The inbox processor calls `handleBatch` with the fresh messages of a clean batch (each run
/// of consecutive messages of this type, so the order of events stays as delivered) and `handle` when a
/// failed batch is retried one message at a time. Both must have the same effects.
public protocol BatchEventHandler: EventHandler {
    func handleBatch(_ events: [(event: CloudEvent<Event>, context: HandlerContext)], on connection: PGConnection) throws
}

/// What a handler works with: the transaction's connection, the time, and an outbox that carries
/// the incoming message's correlation id onwards.
public struct HandlerContext {
    public let connection: PGConnection
    public let now: Date
    public let logger: Logger
    public let outbox: OutboxWriter

    /// Enqueues an event caused by the message being handled.
    @discardableResult
    public func publish<P: EventPayload>(_ payload: P, to exchange: Exchange = .events, id: String? = nil) throws -> CloudEvent<P> {
        try outbox.publish(payload, to: exchange, id: id, on: connection)
    }
}

/// Input that is well-formed but can never be applied (e.g. it contradicts a rule): dead-lettered with `reason`.
public struct HandlerRejection: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension HandlerRejection {
    /// The UUID an event's `field` holds; a message naming one that is not is rejected with the reason.
    public static func uuid(_ text: String, field: String) throws(HandlerRejection) -> UUID {
        guard let id = UUID(uuidString: text) else { throw HandlerRejection("\(field) '\(text)' is not a UUID") }
        return id
    }
}
