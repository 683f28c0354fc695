import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The exam delivery engine spoke of a booking this service has not heard of yet. Its `booking.confirmed`
/// may still be on the way, so the message is retried; past the delivery limit it is dead-lettered with
/// this reason for an operator.
struct AttemptNotKnownYet: Error, CustomStringConvertible {
    let bookingId: String
    var description: String { "no attempt for booking \(bookingId) (yet): its booking.confirmed has not arrived" }
}

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

extension AttemptProgress {
    init(_ context: HandlerContext, _ store: AttemptStore) {
        self.init(store: store, outbox: context.outbox, now: context.now, actor: "delivery-engine")
    }
}
