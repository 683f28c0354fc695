import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Releases the authorization `booking` held, as the rules say for the way it ended. A used one that
/// stays Assigned gets a history line saying why.
func release(_ booking: BookingRef, _ end: AuthorizationRules.BookingEnd, reason: String, actor: String, _ messageId: String, _ context: HandlerContext) throws {
    guard let authorizationId = booking.authorizationId else { return }
    let id = try HandlerRejection.uuid(authorizationId, field: "authorizationId")
    let store = AuthorizationStore(connection: context.connection)
    try store.recordEndedBooking(booking.bookingId, at: context.now)
    guard let authorization = try store.lock(id: id), authorization.status == .assigned, authorization.bookingId == booking.bookingId else { return }
    guard AuthorizationRules.releases(authorization, endOf: booking.bookingId, end) else {
        try store.appendHistory(id, change: StatusChange(from: .assigned, to: .assigned, reason: "\(reason); stays assigned: used", actor: actor, at: context.now), messageId: messageId)
        return
    }
    try RecordTransition(connection: context.connection, outbox: context.outbox, now: context.now)
        .apply(.release, to: authorization, reason: reason, actor: actor, messageId: messageId)
}
