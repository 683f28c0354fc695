import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The booking ended before the attempt started: the attempt is cancelled. One that started stays as it is.
func cancelAttempt(bookingId: String, reason: String, context: HandlerContext) throws {
    let store = AttemptStore(connection: context.connection)
    guard var attempt = try store.lock(try HandlerRejection.uuid(bookingId, field: "bookingId")), attempt.status == .booked else { return }
    attempt.status = .cancelled
    try store.update(attempt, at: context.now)
    try store.audit(attempt.id, action: "cancelled", actor: "system", detail: reason, at: context.now)
}
