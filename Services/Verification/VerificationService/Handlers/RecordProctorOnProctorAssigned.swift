import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `proctor.assigned|unassigned` → who may report on a session's attempts.
struct RecordProctorOnProctorAssigned: EventHandler {
    func handle(_ event: CloudEvent<ProctorAssigned>, context: HandlerContext) throws {
        try AttemptStore(connection: context.connection).assignProctor(event.data.proctorId, to: event.data.sessionId)
    }
}
