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

/// Input that is well-formed but can never be applied (e.g. it contradicts a rule): dead-lettered with
/// `reason` and, for an inbound message, answered to its sender with `field` (a JSON path such as
/// `data.bookingId`) when one field is at fault.
public struct HandlerRejection: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public let field: String?
    public init(_ reason: String, field: String? = nil) {
        self.reason = reason
        self.field = field
    }
    public var description: String { reason }
}

extension HandlerRejection {
    /// The UUID an event's `field` holds; a message naming one that is not is rejected with the reason.
    public static func uuid(_ text: String, field: String) throws(HandlerRejection) -> UUID {
        guard let id = UUID(uuidString: text) else { throw HandlerRejection("\(field) '\(text)' is not a UUID", field: "data.\(field)") }
        return id
    }
}

/// A failure that may pass: the message names something this service has not heard of yet, whose
/// event may still be on its way. It is retried like any failure; on its last allowed delivery it is
/// a rejection instead, with `rejection`'s reason.
public protocol RejectedOnLastDelivery: Error {
    var rejection: HandlerRejection { get }
}
