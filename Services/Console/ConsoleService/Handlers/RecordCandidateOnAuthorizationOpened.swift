import ExamHallModels
import ExamHallServiceKit
import Foundation

/// A purchase makes its candidate known, so they can ask for a sign-in link.
struct RecordCandidateOnAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        try CandidateStore(connection: context.connection).save(event.data.candidate, at: context.now)
    }
}
