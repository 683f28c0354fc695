import ExamHallMessaging
import ExamHallModels

/// The inbox pipeline's second step: decodes and validates the envelope and payload as the routed
/// handler's event type, and checks that the routing key names that same type. What fails here can
/// never be applied, so it is refused at once, before any transaction.
struct DecodeStep: Sendable {
    func decode(_ delivery: Delivery, with entry: HandlerRegistry.Entry) -> Result<PreparedMessage, InboxRefusal> {
        let routingKey = RouteStep.binding(of: delivery).routingKey
        do throws(EnvelopeError) {
            var message = try entry.prepare(delivery.body)
            guard message.metadata.type.rawValue == routingKey else {
                throw EnvelopeError.routingKeyMismatch(routingKey: routingKey, type: message.metadata.type.rawValue)
            }
            message.previousDeliveries = delivery.previousDeliveries
            message.body = delivery.body
            message.answer = entry.answer
            return .success(message)
        } catch {
            return .failure(InboxRefusal(type: routingKey, reason: error.description, field: error.field, answer: entry.answer))
        }
    }
}
