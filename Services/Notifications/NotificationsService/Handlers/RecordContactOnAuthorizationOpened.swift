import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Candidates' contact details come with their purchases (through `authorization.opened`) and with
/// `candidate.updated` from the external system; booking events refresh them too.
struct RecordContactOnAuthorizationOpened: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationOpened>, context: HandlerContext) throws {
        try ProjectionStore(connection: context.connection).saveContact(Contact(event.data.candidate), at: context.now)
    }
}
