import Foundation

// What ExamHall answers on `examhall.outbound` about the messages external systems send it.

/// A purchase became (or already was) an authorization. Sent for every `purchase.completed` that
/// ExamHall accepts, re-sends included, with the inbound message's correlation id.
public struct PurchaseAccepted: EventPayload, Equatable {
    public static let type: EventType = "purchase.accepted"
    /// The id of the `purchase.completed` message this answers.
    public var messageId: String
    public var purchaseId: String
    public var authorizationId: String

    public init(messageId: String, purchaseId: String, authorizationId: String) {
        self.messageId = messageId
        self.purchaseId = purchaseId
        self.authorizationId = authorizationId
    }

    public func validate(into v: inout Validator) {
        v.text("messageId", messageId)
        v.identifier("purchaseId", purchaseId)
        v.text("authorizationId", authorizationId)
    }
}

/// Why ExamHall refused an inbound message, and what the message named, so that its sender can find
/// the record it concerns. Every key is taken from the message as it came, as far as it could be read.
public struct InboundRejection: Codable, Sendable, Equatable {
    /// The id of the refused message (its AMQP `message_id`, else its envelope `id`); nil when it had none.
    public var messageId: String?
    /// The refused message's type (its routing key).
    public var messageType: String
    public var reason: String
    /// The JSON path of the field at fault, e.g. `data.candidate.firstName`, when one is.
    public var field: String?
    public var purchaseId: String?
    public var paymentId: String?
    public var bookingId: String?
    public var candidateExternalId: String?

    public init(
        messageId: String?, messageType: String, reason: String, field: String? = nil, purchaseId: String? = nil, paymentId: String? = nil,
        bookingId: String? = nil, candidateExternalId: String? = nil
    ) {
        self.messageId = messageId
        self.messageType = messageType
        self.reason = reason
        self.field = field
        self.purchaseId = purchaseId
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.candidateExternalId = candidateExternalId
    }

    /// The rejection of a message with `body`, its business keys read from the body when it is JSON at
    /// all (a refused message may be broken anywhere). Each key is kept only when it is a string of
    /// sensible length.
    public static func of(
        body: [UInt8], messageId: String?, messageType: String, reason: String, field: String?
    ) -> InboundRejection {
        of(envelope: envelope(body), messageId: messageId, messageType: messageType, reason: reason, field: field)
    }

    /// The envelope of a message as a JSON object, when its body is one.
    public static func envelope(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// As `of(body:…)`, from an envelope already read.
    public static func of(
        envelope: [String: Any]?, messageId: String?, messageType: String, reason: String, field: String?
    ) -> InboundRejection {
        let data = envelope?["data"] as? [String: Any] ?? [:]
        func key(_ value: Any?) -> String? {
            guard let text = value as? String, !text.isEmpty, text.count <= 200 else { return nil }
            return text
        }
        return InboundRejection(
            messageId: messageId, messageType: messageType, reason: String(reason.prefix(2000)), field: field,
            purchaseId: key(data["purchaseId"]), paymentId: key(data["paymentId"]), bookingId: key(data["bookingId"]),
            candidateExternalId: key((data["candidate"] as? [String: Any])?["externalId"]) ?? key(data["externalId"])
        )
    }

    /// The rejection event that answers a message of `type`, by the family its name starts with
    /// (`purchase.refunded` → `purchase.rejected`); nil for a type ExamHall does not answer.
    public static func event(answering type: EventType) -> (any RejectionEvent.Type)? {
        switch type.rawValue.split(separator: ".").first {
        case "purchase": PurchaseRejected.self
        case "candidate": CandidateRejected.self
        case "payment": PaymentRejected.self
        case "attempt": AttemptRejected.self
        default: nil
        }
    }
}

/// An answer that an inbound message was refused: its `data` is an `InboundRejection`.
public protocol RejectionEvent: EventPayload {
    var rejection: InboundRejection { get }
    init(_ rejection: InboundRejection)
}

extension RejectionEvent {
    public init(from decoder: any Decoder) throws { self.init(try InboundRejection(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try rejection.encode(to: encoder) }
    public func validate(into v: inout Validator) {
        v.text("messageType", rejection.messageType)
        v.text("reason", rejection.reason, maxLength: 2000)
    }
}

/// A `purchase.completed` or `purchase.refunded` ExamHall refused.
public struct PurchaseRejected: RejectionEvent, Equatable {
    public static let type: EventType = "purchase.rejected"
    public let rejection: InboundRejection
    public init(_ rejection: InboundRejection) { self.rejection = rejection }
}

/// A `candidate.updated` ExamHall refused.
public struct CandidateRejected: RejectionEvent, Equatable {
    public static let type: EventType = "candidate.rejected"
    public let rejection: InboundRejection
    public init(_ rejection: InboundRejection) { self.rejection = rejection }
}

/// A `payment.completed` ExamHall refused (an unknown or expired booking, another price).
public struct PaymentRejected: RejectionEvent, Equatable {
    public static let type: EventType = "payment.rejected"
    public let rejection: InboundRejection
    public init(_ rejection: InboundRejection) { self.rejection = rejection }
}

/// An `attempt.started` or `attempt.finished` ExamHall refused (for example a booking it never had).
public struct AttemptRejected: RejectionEvent, Equatable {
    public static let type: EventType = "attempt.rejected"
    public let rejection: InboundRejection
    public init(_ rejection: InboundRejection) { self.rejection = rejection }
}
