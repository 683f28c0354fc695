import ExamHallModels
import Foundation

/// Why an action on an attempt is refused; each case is a stable problem type over HTTP.
public enum AttemptRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case attemptCancelled
    case attemptNoShow
    case alreadyFinished
    case notFinished(AttemptStatus)
    case alreadyVerified(Verdict)
    case reportLocked
    case proctorNotAssigned
    case notVerifiedYet
    case attemptVoided

    public var problemType: String {
        switch self {
        case .attemptCancelled: "attempt-cancelled"
        case .attemptNoShow: "attempt-no-show"
        case .alreadyFinished: "attempt-finished"
        case .notFinished: "attempt-not-finished"
        case .alreadyVerified: "already-verified"
        case .reportLocked: "report-locked"
        case .proctorNotAssigned: "proctor-not-assigned"
        case .notVerifiedYet: "not-verified-yet"
        case .attemptVoided: "attempt-voided"
        }
    }

    public var description: String {
        switch self {
        case .attemptVoided: "a CSR voided this attempt"
        case .attemptCancelled: "the booking of this attempt was cancelled"
        case .attemptNoShow: "the candidate did not show up for this attempt"
        case .alreadyFinished: "the attempt has already finished"
        case let .notFinished(status): "the attempt is \(status.rawValue); only finished attempts are verified"
        case let .alreadyVerified(verdict): "the attempt was already verified (\(verdict.rawValue)); a verdict is final"
        case .reportLocked: "the CSR has given a verdict; the proctor report can no longer change"
        case .proctorNotAssigned: "only a proctor assigned to the attempt's session may do this"
        case .notVerifiedYet: "the result is not verified yet; it is shown once a CSR has verified the attempt"
        }
    }
}

/// The attempt decisions, as pure functions.
public enum AttemptRules {
    /// How long after its session's end an attempt never started becomes a no-show.
    public static let defaultNoShowGrace: TimeInterval = 3600

    /// A proctor's mark of a start or finish: at most a minute ahead of our clock (clocks differ a
    /// little; more is a mistake), and a finish's score from 0 up to a maximum above 0.
    public static func checkMark(at time: Date?, now: Date, score: Double? = nil, maxScore: Double? = nil) -> Validator {
        var v = Validator()
        if let time, time > now.addingTimeInterval(60) { v.fail("at", "must not be in the future") }
        if let score, let maxScore {
            v.nonNegative("score", score)
            v.nonNegative("maxScore", maxScore)
            if maxScore == 0 { v.fail("maxScore", "must be greater than 0") }
            if score > maxScore { v.fail("score", "must not exceed maxScore") }
        }
        return v
    }

    /// A CSR voids an attempt, with a reason: booked, under way, finished or a no-show, as long as no
    /// verdict has made its result final (a result may already have gone back to the seller).
    public static func void(_ attempt: Attempt, at time: Date) throws(AttemptRefusal) -> Attempt {
        switch attempt.status {
        case .cancelled: throw .attemptCancelled
        case .voided: throw .attemptVoided
        case .booked, .started, .finished, .noShow:
            if let verdict = attempt.verdict { throw .alreadyVerified(verdict) }
            var voided = attempt
            voided.status = .voided
            return voided
        }
    }

    /// The delivery engine (or the proctor) started the attempt. Starting again changes nothing.
    public static func start(_ attempt: Attempt, at time: Date) throws(AttemptRefusal) -> Attempt {
        switch attempt.status {
        case .cancelled: throw .attemptCancelled
        case .voided: throw .attemptVoided
        case .finished: throw .alreadyFinished
        case .started: return attempt
        case .booked, .noShow:
            // A late start after a no-show mark is the engine's word: the candidate did take it.
            var started = attempt
            started.status = .started
            started.startedAt = time
            return started
        }
    }

    /// The attempt finished with the system's score. The engine may report a finish without a start.
    public static func finish(_ attempt: Attempt, at time: Date, score: Double, maxScore: Double, passed: Bool) throws(AttemptRefusal) -> Attempt {
        switch attempt.status {
        case .cancelled: throw .attemptCancelled
        case .voided: throw .attemptVoided
        case .finished:
            // The same finish again (a re-send) is not an error; a different one is.
            // Times compare to the millisecond, the precision they travel in.
            let sameTime = attempt.finishedAt.map { abs($0.timeIntervalSince(time)) < 0.001 } ?? false
            if sameTime, attempt.score == score, attempt.maxScore == maxScore, attempt.passed == passed { return attempt }
            throw .alreadyFinished
        case .booked, .started, .noShow:
            var finished = attempt
            finished.status = .finished
            finished.startedAt = attempt.startedAt ?? time
            finished.finishedAt = time
            finished.score = score
            finished.maxScore = maxScore
            finished.passed = passed
            return finished
        }
    }

    /// True when a booked attempt's session ended more than `grace` ago without it starting.
    public static func isNoShow(_ attempt: Attempt, now: Date, grace: TimeInterval = defaultNoShowGrace) -> Bool {
        attempt.status == .booked && now >= attempt.sessionEnd.addingTimeInterval(grace)
    }

    /// Whether a proctor may submit or change the report now.
    public static func mayReport(_ attempt: Attempt, proctorAssignedToSession: Bool) throws(AttemptRefusal) {
        guard proctorAssignedToSession else { throw .proctorNotAssigned }
        if attempt.status == .cancelled { throw .attemptCancelled }
        if attempt.status == .voided { throw .attemptVoided }
        if attempt.isVerified { throw .reportLocked }
    }

    /// The CSR's verdict: final, and only for finished attempts.
    public static func verify(_ attempt: Attempt, verdict: Verdict, comment: String?, by actor: String, at time: Date) throws(AttemptRefusal) -> Attempt {
        if let existing = attempt.verdict { throw .alreadyVerified(existing) }
        guard attempt.status == .finished else { throw .notFinished(attempt.status) }
        var verified = attempt
        verified.verdict = verdict
        verified.verdictComment = comment
        verified.verifiedBy = actor
        verified.verifiedAt = time
        return verified
    }

    /// The verdict the system gives a finished attempt at once: positive when its exam needs no
    /// verification; nil when a CSR must decide.
    public static func systemVerdict(verificationRequired: Bool) -> Verdict? {
        verificationRequired ? nil : .positive
    }

    /// A candidate sees their own result, and only once it is verified.
    public static func resultVisible(_ attempt: Attempt) throws(AttemptRefusal) {
        guard attempt.isVerified else { throw .notVerifiedYet }
    }
}

/// When a result goes back to the external system.
public enum ExportRules {
    /// Exactly when the attempt is connected to an authorization, finished and verified.
    public static func shouldExport(connected: Bool, finished: Bool, verified: Bool) -> Bool {
        connected && finished && verified
    }

    /// Due now: exportable and not exported yet.
    public static func isDue(_ attempt: Attempt) -> Bool {
        attempt.exportedAt == nil
            && shouldExport(connected: attempt.authorizationId != nil, finished: attempt.status == .finished, verified: attempt.isVerified)
    }

    /// The `result.verified` message id: the same on every retry, so the receiver can de-duplicate.
    public static func messageId(for attemptId: UUID) -> String {
        "result-verified-\(attemptId.uuidString.lowercased())"
    }

    /// What exporting `attempt` sends: the result for the external system, under its stable message id,
    /// and `result.exported` for everyone else. Nil when the attempt is not due or lacks a part of its result.
    public static func export(_ attempt: Attempt, purchaseId: String, proctorRating: Int?, at now: Date) -> ResultExport? {
        guard isDue(attempt), let authorizationId = attempt.authorizationId, let verdict = attempt.verdict, let verifiedAt = attempt.verifiedAt,
              let finishedAt = attempt.finishedAt, let score = attempt.score, let maxScore = attempt.maxScore, let passed = attempt.passed
        else { return nil }
        let messageId = messageId(for: attempt.id)
        let attemptId = attempt.id.uuidString.lowercased()
        return ResultExport(
            attemptId: attempt.id, messageId: messageId,
            result: ResultVerified(
                authorizationId: authorizationId, purchaseId: purchaseId, candidateExternalId: attempt.candidateId, examCode: attempt.examCode,
                bookingId: attemptId, finishedAt: finishedAt, score: score, maxScore: maxScore, passed: passed,
                proctorRating: proctorRating, verdict: verdict, verifiedAt: verifiedAt
            ),
            announcement: ResultExported(
                attemptId: attemptId, authorizationId: authorizationId, purchaseId: purchaseId, candidateId: attempt.candidateId,
                examCode: attempt.examCode, exportMessageId: messageId, exportedAt: now
            )
        )
    }
}

/// One attempt's export, decided: the two events its export transaction writes to the outbox.
public struct ResultExport: Sendable, Equatable {
    public let attemptId: UUID
    /// The id `result.verified` carries on every retry.
    public let messageId: String
    public let result: ResultVerified
    public let announcement: ResultExported
}
