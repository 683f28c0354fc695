import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `payment.completed` → the seat held for payment becomes a confirmed booking. A payment for an unknown,
/// expired or differently priced booking is refused: answered `payment.rejected` for the payment system
/// to refund, and dead-lettered with the reason for an operator.
struct ConfirmBookingOnPaymentCompleted: EventHandler {
    let paymentWindow: Duration

    func handle(_ event: CloudEvent<PaymentCompleted>, context: HandlerContext) throws {
        let payment = event.data
        let bookingId = try HandlerRejection.uuid(payment.bookingId, field: "bookingId")
        let workflow = BookingWorkflow(connection: context.connection, outbox: context.outbox, now: context.now, paymentWindow: paymentWindow)
        do {
            _ = try workflow.confirmPayment(bookingId: bookingId, paymentId: payment.paymentId, amount: payment.amount, currency: payment.currency)
        } catch let refusal as BookingWorkflow.PaymentRefusal {
            throw HandlerRejection(refusal.reason, field: refusal.field)
        } catch let missing as NotFound {
            throw HandlerRejection("payment \(payment.paymentId): \(missing)", field: "data.bookingId")
        }
    }
}
