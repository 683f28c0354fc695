import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.started` → the authorization is used: it never returns to Open. If the booking was
/// cancelled just before the start was reported (and the authorization released), the attempt still
/// took place, so the authorization is assigned back to that booking.
struct MarkUsedOnAttemptStarted: EventHandler {
    func handle(_ event: CloudEvent<AttemptStarted>, context: HandlerContext) throws {
        guard let authorizationId = event.data.authorizationId else { return }
        let id = try HandlerRejection.uuid(authorizationId, field: "authorizationId")
        let store = AuthorizationStore(connection: context.connection)
        let bookingId = event.data.bookingId
        // A CSR voided this attempt already: it did not use the authorization.
        if try store.attemptVoided(bookingId: bookingId) { return }
        guard var authorization = try store.lock(id: id) else { return }
        if authorization.status == .open, try store.hasEnded(bookingId: bookingId) {
            authorization = try RecordTransition(connection: context.connection, outbox: context.outbox, now: context.now).apply(
                .assign, to: authorization, reason: "the attempt of booking \(bookingId) started", actor: "system", messageId: event.id,
                assignment: (bookingId, event.data.sessionId)
            )
        }
        try store.markUsed(id: id, bookingId: bookingId, at: event.data.startedAt)
    }
}
