import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The external system's change of a candidate's name, email, language or time zone.
struct RecordCandidateOnCandidateUpdated: EventHandler {
    func handle(_ event: CloudEvent<CandidateUpdated>, context: HandlerContext) throws {
        try CandidateStore(connection: context.connection).save(event.data.candidate, at: context.now)
    }
}
