import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// Starting and finishing an attempt, whoever reports it: the delivery engine over `examhall.inbound`
/// or the assigned proctor of an in-person session over HTTP. One path, so both leave the same audit
/// line and the same internal event.
struct AttemptProgress {
    let store: AttemptStore
    let outbox: OutboxWriter
    let now: Date
    /// Who reported it, for the audit trail: `delivery-engine` or `proctor:<id>`.
    let actor: String

    /// Returns the attempt as it is now; a repeated start changes nothing and publishes nothing.
    func start(_ attempt: Attempt, at startedAt: Date) throws -> Attempt {
        let started = try AttemptRules.start(attempt, at: startedAt)
        guard started != attempt else { return attempt }
        try store.update(started, at: now)
        try store.audit(started.id, action: "started", actor: actor, detail: nil, at: now)
        let id = started.id.uuidString.lowercased()
        try outbox.publish(
            AttemptStarted(
                attemptId: id, bookingId: id, sessionId: started.sessionId, candidateId: started.candidateId,
                examCode: started.examCode, startedAt: startedAt
            ),
            on: store.connection
        )
        return started
    }

    /// Returns the attempt as it is now; the same finish again changes nothing and publishes nothing.
    func finish(_ attempt: Attempt, at finishedAt: Date, score: Double, maxScore: Double, passed: Bool) throws -> Attempt {
        let finished = try AttemptRules.finish(attempt, at: finishedAt, score: score, maxScore: maxScore, passed: passed)
        guard finished != attempt else { return attempt }
        try store.update(finished, at: now)
        try store.audit(finished.id, action: "finished", actor: actor, detail: "\(score)/\(maxScore)", at: now)
        let id = finished.id.uuidString.lowercased()
        try outbox.publish(
            AttemptFinished(
                attemptId: id, bookingId: id, sessionId: finished.sessionId, candidateId: finished.candidateId,
                examCode: finished.examCode, finishedAt: finishedAt, score: score, maxScore: maxScore, passed: passed
            ),
            on: store.connection
        )
        return finished
    }
}
