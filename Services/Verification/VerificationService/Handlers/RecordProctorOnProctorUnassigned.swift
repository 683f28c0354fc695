import ExamHallModels
import ExamHallServiceKit
import Foundation

struct RecordProctorOnProctorUnassigned: EventHandler {
    func handle(_ event: CloudEvent<ProctorUnassigned>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).unassignProctor(event.data.proctorId, from: event.data.sessionId)
    }
}
