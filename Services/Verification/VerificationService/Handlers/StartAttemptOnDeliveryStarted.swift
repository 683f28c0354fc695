import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.started` from the delivery engine → the attempt is under way (`attempt.started` internally).
struct StartAttemptOnDeliveryStarted: EventHandler {
    func handle(_ event: CloudEvent<DeliveryAttemptStarted>, context: HandlerContext) throws {
        let store = AttemptStore(connection: context.connection)
        guard let attempt = try store.lock(try HandlerRejection.uuid(event.data.bookingId, field: "bookingId")) else { throw AttemptNotKnownYet(bookingId: event.data.bookingId) }
        do {
            _ = try AttemptProgress(context, store).start(attempt, at: event.data.startedAt)
        } catch let refusal as AttemptRefusal {
            throw HandlerRejection("attempt \(event.data.bookingId): \(refusal.description)")
        }
    }
}
