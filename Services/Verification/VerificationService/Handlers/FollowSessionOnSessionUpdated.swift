import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `session.updated` → attempts not started yet follow the session's new time (for no-show detection).
struct FollowSessionOnSessionUpdated: EventHandler {
    func handle(_ event: CloudEvent<SessionUpdated>, context: HandlerContext) throws {
        guard event.data.previousStart != nil || event.data.previousEnd != nil else { return }
        let session = event.data.session
        try AttemptStore(connection: context.connection).moveSession(session.sessionId, start: session.start, end: session.end, at: context.now)
    }
}
