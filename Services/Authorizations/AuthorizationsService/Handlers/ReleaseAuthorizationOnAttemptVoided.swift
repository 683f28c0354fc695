import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.voided` → the attempt does not count: the authorization is no longer used and, if it is
/// still Assigned to that booking, Open again (`authorization.released`).
struct ReleaseAuthorizationOnAttemptVoided: EventHandler {
    func handle(_ event: CloudEvent<AttemptVoided>, context: HandlerContext) throws {
        guard let authorizationId = event.data.authorizationId else { return }
        let id = try HandlerRejection.uuid(authorizationId, field: "authorizationId")
        let store = AuthorizationStore(connection: context.connection)
        let bookingId = event.data.bookingId
        try store.recordVoidedAttempt(bookingId: bookingId, at: context.now)
        try store.recordEndedBooking(bookingId, at: context.now)
        guard var authorization = try store.lock(id: id), authorization.bookingId == bookingId || authorization.status == .open else { return }
        try store.clearUse(id: id)
        authorization.attemptStartedAt = nil
        guard authorization.status == .assigned else { return }
        try RecordTransition(connection: context.connection, outbox: context.outbox, now: context.now).apply(
            .release, to: authorization, reason: "attempt voided: \(event.data.reason)", actor: event.data.actor.rawValue, messageId: event.id
        )
    }
}
