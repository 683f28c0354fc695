import ExamHallModels
import Foundation
import Testing
@testable import VerificationService

/// The attempt lifecycle, the verdict and the export condition, as pure functions.
struct AttemptRulesTests {
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    static func attempt(status: AttemptStatus = .booked, authorizationId: String? = "auth-1", verdict: Verdict? = nil) -> Attempt {
        Attempt(
            id: UUID(), sessionId: "session-1", candidateId: "cand-1", examCode: "CLOUD-101", authorizationId: authorizationId,
            sessionStart: start, sessionEnd: start + 7200, status: status, verdict: verdict
        )
    }

    func refusal(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return (error as? AttemptRefusal)?.problemType ?? "\(error)" }
    }

    @Test func theExportConditionIsATruthTable() {
        for connected in [false, true] {
            for finished in [false, true] {
                for verified in [false, true] {
                    #expect(ExportRules.shouldExport(connected: connected, finished: finished, verified: verified) == (connected && finished && verified),
                            "connected \(connected), finished \(finished), verified \(verified)")
                }
            }
        }
    }

    @Test func onlyAVerifiedFinishedAttemptWithAnAuthorizationIsDueOnce() throws {
        var attempt = try AttemptRules.finish(Self.attempt(), at: Self.start + 3600, score: 80, maxScore: 100, passed: true)
        #expect(!ExportRules.isDue(attempt))
        attempt = try AttemptRules.verify(attempt, verdict: .positive, comment: nil, by: "csr:1", at: Self.start + 7200)
        #expect(ExportRules.isDue(attempt))
        attempt.exportedAt = Self.start + 7300
        #expect(!ExportRules.isDue(attempt))

        var withoutAuthorization = try AttemptRules.finish(Self.attempt(authorizationId: nil), at: Self.start + 3600, score: 80, maxScore: 100, passed: true)
        withoutAuthorization = try AttemptRules.verify(withoutAuthorization, verdict: .positive, comment: nil, by: "csr:1", at: Self.start + 7200)
        #expect(!ExportRules.isDue(withoutAuthorization))
        #expect(ExportRules.messageId(for: attempt.id) == ExportRules.messageId(for: attempt.id))
    }

    @Test func anExportCarriesTheWholeResultUnderItsStableIdAndIsDecidedOnlyWhenDue() throws {
        let finished = try AttemptRules.finish(Self.attempt(), at: Self.start + 3600, score: 80, maxScore: 100, passed: true)
        #expect(ExportRules.export(finished, purchaseId: "P-1", proctorRating: 4, at: Self.start + 7300) == nil, "not verified yet")
        let verified = try AttemptRules.verify(finished, verdict: .negative, comment: nil, by: "csr:1", at: Self.start + 7200)
        let export = try #require(ExportRules.export(verified, purchaseId: "P-1", proctorRating: 4, at: Self.start + 7300))
        let attemptId = verified.id.uuidString.lowercased()
        #expect(export.attemptId == verified.id)
        #expect(export.messageId == "result-verified-\(attemptId)")
        #expect(export.result == ResultVerified(
            authorizationId: "auth-1", purchaseId: "P-1", candidateExternalId: "cand-1", examCode: "CLOUD-101", bookingId: attemptId,
            finishedAt: Self.start + 3600, score: 80, maxScore: 100, passed: true, proctorRating: 4, verdict: .negative, verifiedAt: Self.start + 7200
        ))
        #expect(export.announcement == ResultExported(
            attemptId: attemptId, authorizationId: "auth-1", purchaseId: "P-1", candidateId: "cand-1", examCode: "CLOUD-101",
            exportMessageId: export.messageId, exportedAt: Self.start + 7300
        ))

        var exported = verified
        exported.exportedAt = Self.start + 7300
        #expect(ExportRules.export(exported, purchaseId: "P-1", proctorRating: 4, at: Self.start + 7400) == nil, "exported already")
        var withoutScore = verified
        withoutScore.score = nil
        #expect(ExportRules.export(withoutScore, purchaseId: "P-1", proctorRating: nil, at: Self.start + 7300) == nil, "a result lacking its score")
    }

    @Test func aMarkIsNotAheadOfTheClockAndAScoreFitsItsMaximum() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(AttemptRules.checkMark(at: nil, now: now).issues.isEmpty)
        #expect(AttemptRules.checkMark(at: now + 59, now: now).issues.isEmpty, "clocks differ a little")
        #expect(AttemptRules.checkMark(at: now + 61, now: now).issues.map(\.field) == ["at"])
        #expect(AttemptRules.checkMark(at: nil, now: now, score: 74, maxScore: 100).issues.isEmpty)
        #expect(AttemptRules.checkMark(at: nil, now: now, score: 101, maxScore: 100).issues.map(\.field) == ["score"])
        #expect(AttemptRules.checkMark(at: nil, now: now, score: 0, maxScore: 0).issues.map(\.field) == ["maxScore"])
        #expect(AttemptRules.checkMark(at: nil, now: now, score: -1, maxScore: 10).issues.map(\.field) == ["score"])
    }

    @Test func anAttemptIsVoidedUntilItsVerdictAndThenNothingMoves() throws {
        let now = Date()
        for status in [AttemptStatus.booked, .started, .finished, .noShow] {
            #expect(try AttemptRules.void(Self.attempt(status: status), at: now).status == .voided)
        }
        #expect(refusal { try AttemptRules.void(Self.attempt(status: .finished, verdict: .positive), at: now) } == "already-verified")
        #expect(refusal { try AttemptRules.void(Self.attempt(status: .cancelled), at: now) } == "attempt-cancelled")
        let voided = Self.attempt(status: .voided)
        #expect(refusal { try AttemptRules.void(voided, at: now) } == "attempt-voided")
        #expect(refusal { try AttemptRules.start(voided, at: now) } == "attempt-voided")
        #expect(refusal { try AttemptRules.finish(voided, at: now, score: 1, maxScore: 2, passed: false) } == "attempt-voided")
    }

    @Test func startAndFinish() throws {
        let started = try AttemptRules.start(Self.attempt(), at: Self.start + 60)
        #expect(started.status == .started)
        #expect(try AttemptRules.start(started, at: Self.start + 120) == started)
        let finished = try AttemptRules.finish(started, at: Self.start + 3600, score: 70, maxScore: 100, passed: true)
        #expect(finished.status == .finished)
        #expect(finished.startedAt == Self.start + 60)
        #expect(try AttemptRules.finish(finished, at: Self.start + 3600, score: 70, maxScore: 100, passed: true) == finished)
        #expect(refusal { try AttemptRules.finish(finished, at: Self.start + 3700, score: 90, maxScore: 100, passed: true) } == "attempt-finished")
        #expect(refusal { try AttemptRules.start(finished, at: Self.start) } == "attempt-finished")
        #expect(refusal { try AttemptRules.start(Self.attempt(status: .cancelled), at: Self.start) } == "attempt-cancelled")
        // The engine may report a finish it never announced the start of.
        #expect(try AttemptRules.finish(Self.attempt(), at: Self.start + 10, score: 1, maxScore: 2, passed: false).startedAt == Self.start + 10)
    }

    @Test func anAttemptNeverStartedBecomesANoShowAfterTheGracePeriod() {
        let attempt = Self.attempt()
        #expect(!AttemptRules.isNoShow(attempt, now: Self.start + 7200 + 3599))
        #expect(AttemptRules.isNoShow(attempt, now: Self.start + 7200 + 3600))
        #expect(!AttemptRules.isNoShow(Self.attempt(status: .started), now: Self.start + 86_400))
    }

    @Test func theVerdictIsFinalAndLocksTheReport() throws {
        let finished = try AttemptRules.finish(Self.attempt(), at: Self.start + 3600, score: 70, maxScore: 100, passed: true)
        #expect(throws: Never.self) { try AttemptRules.mayReport(finished, proctorAssignedToSession: true) }
        #expect(refusal { try AttemptRules.mayReport(finished, proctorAssignedToSession: false) } == "proctor-not-assigned")
        #expect(refusal { try AttemptRules.resultVisible(finished) } == "not-verified-yet")
        let verified = try AttemptRules.verify(finished, verdict: .negative, comment: "phone on the desk", by: "csr:7", at: Self.start + 7200)
        #expect(verified.verifiedBy == "csr:7")
        #expect(refusal { try AttemptRules.verify(verified, verdict: .positive, comment: nil, by: "csr:8", at: Self.start + 7300) } == "already-verified")
        #expect(refusal { try AttemptRules.mayReport(verified, proctorAssignedToSession: true) } == "report-locked")
        #expect(throws: Never.self) { try AttemptRules.resultVisible(verified) }
        #expect(refusal { try AttemptRules.verify(Self.attempt(status: .started), verdict: .positive, comment: nil, by: "csr:1", at: Self.start) } == "attempt-not-finished")
    }

    @Test func anExamThatNeedsNoVerificationIsVerifiedPositiveBySystem() {
        #expect(AttemptRules.systemVerdict(verificationRequired: false) == .positive)
        #expect(AttemptRules.systemVerdict(verificationRequired: true) == nil)
    }
}
