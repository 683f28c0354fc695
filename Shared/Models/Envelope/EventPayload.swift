/// The `data` of one event type. Its `type` is the CloudEvents type and the AMQP routing key.
public protocol EventPayload: Codable, Sendable, Validatable {
    static var type: EventType { get }
}

/// An event type name, e.g. `purchase.completed`; equal to the routing key.
public struct EventType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// The exchanges of the messaging contract.
public enum Exchange: String, Sendable, CaseIterable {
    /// Internal domain events between ExamHall services.
    case events = "examhall.events"
    /// External systems publish here only.
    case inbound = "examhall.inbound"
    /// Results and payment requests for external systems.
    case outbound = "examhall.outbound"
    /// Dead letters, routed by service name to `<service>.dead`.
    case dead = "examhall.dead"

    public var kind: String { self == .dead ? "direct" : "topic" }
}
