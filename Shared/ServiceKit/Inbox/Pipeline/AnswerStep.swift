import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation

/// Tells the sender of an inbound message that ExamHall refused it: the rejection event of the
/// message's family (`purchase.rejected`, …) on `examhall.outbound`, written to the outbox in the same
/// transaction that settles the message. Its id is derived from the refused message's, so a
/// redelivered message is answered once (the outbox keeps one row per id), and it carries the refused
/// message's correlation id.
struct AnswerStep: Sendable {
    let source: String

    /// The outbox row answering a message that did not decode; `delivery` is all there is to go on.
    func row(refusing delivery: Delivery, _ refusal: InboxRefusal, event: any RejectionEvent.Type, now: Date) throws -> OutboxWriter.Row {
        let envelope = InboundRejection.envelope(delivery.body)
        let messageId = delivery.properties.messageId ?? envelope?["id"] as? String
        let correlationId = delivery.properties.correlationId ?? envelope?["correlationid"] as? String ?? messageId
        let rejection = InboundRejection.of(
            envelope: envelope, messageId: messageId, messageType: refusal.type, reason: refusal.reason, field: refusal.field
        )
        return try row(event, rejection, correlationId: correlationId, now: now)
    }

    /// The outbox row answering a decoded message its handler rejected.
    func row(rejecting message: PreparedMessage, _ rejection: HandlerRejection, event: any RejectionEvent.Type, now: Date) throws -> OutboxWriter.Row {
        let metadata = message.metadata
        let answer = InboundRejection.of(
            body: message.body, messageId: metadata.id, messageType: metadata.type.rawValue, reason: rejection.reason, field: rejection.field
        )
        return try row(event, answer, correlationId: metadata.correlationid ?? metadata.id, now: now)
    }

    private func row<E: RejectionEvent>(_: E.Type, _ rejection: InboundRejection, correlationId: String?, now: Date) throws -> OutboxWriter.Row {
        let outbox = OutboxWriter(source: source, correlationId: correlationId, causationId: rejection.messageId, now: now)
        return try outbox.row(E(rejection), to: .outbound, id: Self.id(answering: rejection.messageId)).1
    }

    /// The answer's id: stable for a refused message with an id, so its redeliveries are answered once.
    static func id(answering messageId: String?) -> String {
        let usable = messageId.map { String($0.filter { !$0.isNewline && $0 != "\0" }.prefix(190)) } ?? ""
        guard !usable.isEmpty else { return UUID.timeOrdered().uuidString.lowercased() }
        return "rejected-\(usable)"
    }
}
