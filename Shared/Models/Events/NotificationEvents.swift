import Foundation

// Internal events owned by the notifications service.

public struct NotificationSent: EventPayload, Equatable {
    public static let type: EventType = "notification.sent"
    public var deliveryId: String
    public var kind: String
    public var candidateId: String
    public var triggerEventId: String
    public var sentAt: Date
    public init(deliveryId: String, kind: String, candidateId: String, triggerEventId: String, sentAt: Date) {
        self.deliveryId = deliveryId
        self.kind = kind
        self.candidateId = candidateId
        self.triggerEventId = triggerEventId
        self.sentAt = sentAt
    }
    public func validate(into v: inout Validator) {
        v.identifier("deliveryId", deliveryId)
        v.identifier("kind", kind)
        v.identifier("candidateId", candidateId)
        v.identifier("triggerEventId", triggerEventId)
    }
}

public struct NotificationFailed: EventPayload, Equatable {
    public static let type: EventType = "notification.failed"
    public var deliveryId: String
    public var kind: String
    public var candidateId: String
    public var triggerEventId: String
    public var reason: String
    public var attempts: Int
    public var permanent: Bool
    public init(deliveryId: String, kind: String, candidateId: String, triggerEventId: String, reason: String, attempts: Int, permanent: Bool) {
        self.deliveryId = deliveryId
        self.kind = kind
        self.candidateId = candidateId
        self.triggerEventId = triggerEventId
        self.reason = reason
        self.attempts = attempts
        self.permanent = permanent
    }
    public func validate(into v: inout Validator) {
        v.identifier("deliveryId", deliveryId)
        v.identifier("kind", kind)
        v.identifier("candidateId", candidateId)
        v.identifier("triggerEventId", triggerEventId)
        v.text("reason", reason, maxLength: 2000)
    }
}
