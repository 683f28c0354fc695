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
                examCode: started.examCode, authorizationId: started.authorizationId, startedAt: startedAt
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
                examCode: finished.examCode, authorizationId: finished.authorizationId, finishedAt: finishedAt, score: score,
                maxScore: maxScore, passed: passed
            ),
            on: store.connection
        )
        let verificationRequired = try store.verificationRequired(examCode: finished.examCode)
        guard let verdict = AttemptRules.systemVerdict(verificationRequired: verificationRequired) else { return finished }
        return try AttemptProgress(store: store, outbox: outbox, now: now, actor: "system")
            .verify(finished, verdict: verdict, comment: "the exam needs no verification")
    }

    /// A CSR's voiding, with its reason: the booking is cancelled and the authorization Open again.
    func void(_ attempt: Attempt, reason: String, by requester: Actor) throws -> Attempt {
        let voided = try AttemptRules.void(attempt, at: now)
        try store.update(voided, at: now)
        try store.audit(voided.id, action: "voided", actor: actor, detail: reason, at: now)
        let id = voided.id.uuidString.lowercased()
        try outbox.publish(
            AttemptVoided(
                attemptId: id, bookingId: id, sessionId: voided.sessionId, candidateId: voided.candidateId, examCode: voided.examCode,
                authorizationId: voided.authorizationId, reason: reason, actor: requester, voidedAt: now
            ),
            on: store.connection
        )
        return voided
    }

    /// Records a final verdict and tells the candidate their result is available.
    func verify(_ attempt: Attempt, verdict: Verdict, comment: String?) throws -> Attempt {
        let verified = try AttemptRules.verify(attempt, verdict: verdict, comment: comment, by: actor, at: now)
        try store.update(verified, at: now)
        try store.audit(verified.id, action: "verdict", actor: actor, detail: "\(verdict.rawValue)" + (comment.map { ": \($0)" } ?? ""), at: now)
        let id = verified.id.uuidString.lowercased()
        try outbox.publish(
            AttemptVerified(
                attemptId: id, bookingId: id, candidateId: verified.candidateId, examCode: verified.examCode,
                authorizationId: verified.authorizationId, verdict: verdict, verifiedAt: now, verifiedBy: actor,
                candidate: try store.contact(of: verified.id)
            ),
            on: store.connection
        )
        return verified
    }
}
