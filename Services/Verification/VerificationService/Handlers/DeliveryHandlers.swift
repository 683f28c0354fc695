import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The exam delivery engine spoke of a booking this service has not heard of yet. Its `booking.confirmed`
/// may still be on the way, so the message is retried; past the delivery limit it is dead-lettered with
/// this reason for an operator.
struct AttemptNotKnownYet: Error, CustomStringConvertible {
    let bookingId: String
    var description: String { "no attempt for booking \(bookingId) (yet): its booking.confirmed has not arrived" }
}

/// `attempt.started` from the delivery engine → the attempt is under way (`attempt.started` internally).
struct StartAttemptOnDeliveryStarted: EventHandler {
    func handle(_ event: CloudEvent<DeliveryAttemptStarted>, context: HandlerContext) throws {
        let store = AttemptStore(connection: context.connection)
        guard let attempt = try store.lock(try bookingUUID(event.data.bookingId)) else { throw AttemptNotKnownYet(bookingId: event.data.bookingId) }
        let started: Attempt
        do {
            started = try AttemptRules.start(attempt, at: event.data.startedAt)
        } catch {
            throw HandlerRejection("attempt \(event.data.bookingId): \(error.description)")
        }
        guard started != attempt else { return }
        try store.update(started, at: context.now)
        try store.audit(started.id, action: "started", actor: "delivery-engine", detail: nil, at: context.now)
        try context.publish(AttemptStarted(
            attemptId: event.data.bookingId, bookingId: event.data.bookingId, sessionId: started.sessionId,
            candidateId: started.candidateId, examCode: started.examCode, startedAt: event.data.startedAt
        ))
    }
}

/// `attempt.finished` from the delivery engine → the system's score; the attempt now awaits a verdict.
struct FinishAttemptOnDeliveryFinished: EventHandler {
    func handle(_ event: CloudEvent<DeliveryAttemptFinished>, context: HandlerContext) throws {
        let result = event.data
        let store = AttemptStore(connection: context.connection)
        guard let attempt = try store.lock(try bookingUUID(result.bookingId)) else { throw AttemptNotKnownYet(bookingId: result.bookingId) }
        let finished: Attempt
        do {
            finished = try AttemptRules.finish(attempt, at: result.finishedAt, score: result.score, maxScore: result.maxScore, passed: result.passed)
        } catch {
            throw HandlerRejection("attempt \(result.bookingId): \(error.description)")
        }
        guard finished != attempt else { return }
        try store.update(finished, at: context.now)
        try store.audit(finished.id, action: "finished", actor: "delivery-engine", detail: "\(result.score)/\(result.maxScore)", at: context.now)
        try context.publish(AttemptFinished(
            attemptId: result.bookingId, bookingId: result.bookingId, sessionId: finished.sessionId, candidateId: finished.candidateId,
            examCode: finished.examCode, finishedAt: result.finishedAt, score: result.score, maxScore: result.maxScore, passed: result.passed
        ))
    }
}
