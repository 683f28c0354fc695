import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `payment.requested` (on examhall.outbound) → the candidate is asked to pay before the hold expires.
struct NotifyOnPaymentRequested: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<PaymentRequested>, context: HandlerContext) throws {
        let data = event.data
        let amount = NSDecimalNumber(decimal: data.amount).stringValue
        try context.notifier(settings).notify(.init(
            kind: .paymentRequested, occurrence: .paymentRequest(data), triggerEventId: event.id, candidateId: data.candidateExternalId,
            contact: data.candidate.map { Contact(candidateId: data.candidateExternalId, $0) }, bookingId: data.bookingId,
            examCode: data.examCode ?? "", session: data.session,
            extra: { language, zone in
                [
                    "amount": .text(amount), "currency": .text(data.currency),
                    "paymentDeadlineDate": .text(TemplateVariables.date(data.expiresAt, language: language, timeZone: zone)),
                    "paymentDeadlineTime": .text(TemplateVariables.time(data.expiresAt, language: language, timeZone: zone)),
                ]
            }
        ))
    }
}
