import ExamHallMessaging
import ExamHallModels
import Logging

/// The inbox pipeline's last step: what the consumer tells the broker about each delivery, counted and
/// logged. Applied and duplicate messages are acked. Refused and rejected ones are dead-lettered with
/// their reason. A failed one goes back to the queue (the consumer holds it for a growing delay first)
/// until its last allowed delivery, and is then dead-lettered with its last error.
struct SettleStep: Sendable {
    let deliveryLimit: Int
    let logger: Logger

    func settle(_ delivery: Delivery, refusal: InboxRefusal) -> DeliveryDisposition {
        deadLetter(delivery, type: refusal.type, reason: refusal.reason)
    }

    func settle(_ delivery: Delivery, message: PreparedMessage, result: ApplyStep.Result) -> DeliveryDisposition {
        let type = message.metadata.type.rawValue
        switch result {
        case let .applied(duration):
            ExamHallMetrics.consumed(type: type, outcome: "applied")
            ExamHallMetrics.handlerDuration(type: type, duration)
            return .ack
        case .duplicate:
            ExamHallMetrics.consumed(type: type, outcome: "duplicate")
            logger.debug("duplicate skipped", metadata: ["messageid": .string(message.metadata.id), "type": .string(type)])
            return .ack
        case let .rejected(rejection):
            return deadLetter(delivery, type: type, reason: rejection.reason)
        case let .failed(error):
            let attempt = delivery.previousDeliveries + 1
            logger.error("message failed", metadata: [
                "messageid": .string(delivery.properties.messageId ?? "-"), "type": .string(type), "error": .string(error), "attempt": "\(attempt)",
            ])
            guard attempt < deliveryLimit else {
                return deadLetter(delivery, type: type, reason: "failed on each of \(attempt) deliveries; last error: \(error)")
            }
            ExamHallMetrics.consumed(type: type, outcome: "requeued")
            return .requeue
        }
    }

    private func deadLetter(_ delivery: Delivery, type: String, reason: String) -> DeliveryDisposition {
        ExamHallMetrics.consumed(type: type, outcome: "dead_lettered")
        ExamHallMetrics.deadLettered(type: type)
        logger.warning("message dead-lettered", metadata: [
            "messageid": .string(delivery.properties.messageId ?? "-"), "type": .string(type), "reason": .string(reason),
        ])
        return .deadLetter(reason: reason)
    }
}
