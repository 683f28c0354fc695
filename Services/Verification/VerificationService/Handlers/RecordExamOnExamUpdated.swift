import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `exam.updated` → whether the exam's finished attempts wait for a CSR's verdict.
struct RecordExamOnExamUpdated: EventHandler {
    func handle(_ event: CloudEvent<ExamUpdated>, context: HandlerContext) throws {
        let exam = event.data
        try AttemptStore(connection: context.connection).saveExam(exam.examCode, verificationRequired: exam.verificationRequired, updatedAt: exam.updatedAt)
    }
}
