import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `session.updated` that moves a session in time → the authorizations booked into it know its new
/// start, which decides whether an expiring one still covers it.
struct FollowSessionOnSessionUpdated: EventHandler {
    func handle(_ event: CloudEvent<SessionUpdated>, context: HandlerContext) throws {
        guard event.data.previousStart != nil else { return }
        try AuthorizationStore(connection: context.connection).moveSessionStart(sessionId: event.data.session.sessionId, to: event.data.session.start)
    }
}
