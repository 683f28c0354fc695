import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.finished` from the delivery engine → the system's score; the attempt now awaits a verdict.
struct FinishAttemptOnDeliveryFinished: EventHandler {
    func handle(_ event: CloudEvent<DeliveryAttemptFinished>, context: HandlerContext) throws {
        let result = event.data
        let store = AttemptStore(connection: context.connection)
        guard let attempt = try store.lock(try HandlerRejection.uuid(result.bookingId, field: "bookingId")) else { throw AttemptNotKnownYet(bookingId: result.bookingId) }
        do {
            _ = try AttemptProgress(context, store).finish(
                attempt, at: result.finishedAt, score: result.score, maxScore: result.maxScore, passed: result.passed
            )
        } catch let refusal as AttemptRefusal {
            throw HandlerRejection("attempt \(result.bookingId): \(refusal.description)")
        }
    }
}
