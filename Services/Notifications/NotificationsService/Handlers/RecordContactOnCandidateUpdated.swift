import ExamHallModels
import ExamHallServiceKit
import Foundation

struct RecordContactOnCandidateUpdated: EventHandler {
    func handle(_ event: CloudEvent<CandidateUpdated>, context: HandlerContext) throws {
        try ProjectionStore(connection: context.connection).saveContact(Contact(event.data.candidate), at: context.now)
    }
}
