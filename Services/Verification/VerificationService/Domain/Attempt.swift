import ExamHallModels
import Foundation

/// Where an attempt is: booked (waiting for its session), taking place, done, not taken at all, or
/// voided by a CSR (it does not count).
public enum AttemptStatus: String, Sendable, Equatable, Codable, CaseIterable {
    case booked, started, finished
    case noShow = "no-show"
    case cancelled
    case voided
}

/// One candidate's attempt at one exam: there is one per confirmed booking, and its id is the booking's.
public struct Attempt: Sendable, Equatable {
    public var id: UUID
    public var sessionId: String
    public var candidateId: String
    /// As the booking gave it: proctors check it at the door.
    public var candidateName: String?
    public var examCode: String
    /// Set when the booking was made with an authorization: only then does a result go back to the seller.
    public var authorizationId: String?
    public var sessionStart: Date
    public var sessionEnd: Date
    public var status: AttemptStatus
    public var startedAt: Date?
    public var finishedAt: Date?
    public var score: Double?
    public var maxScore: Double?
    public var passed: Bool?
    public var verdict: Verdict?
    public var verdictComment: String?
    public var verifiedBy: String?
    public var verifiedAt: Date?
    public var exportedAt: Date?

    public init(
        id: UUID, sessionId: String, candidateId: String, examCode: String, authorizationId: String?, sessionStart: Date, sessionEnd: Date,
        status: AttemptStatus = .booked, startedAt: Date? = nil, finishedAt: Date? = nil, score: Double? = nil, maxScore: Double? = nil,
        passed: Bool? = nil, verdict: Verdict? = nil, verdictComment: String? = nil, verifiedBy: String? = nil, verifiedAt: Date? = nil,
        exportedAt: Date? = nil, candidateName: String? = nil
    ) {
        self.candidateName = candidateName
        self.id = id
        self.sessionId = sessionId
        self.candidateId = candidateId
        self.examCode = examCode
        self.authorizationId = authorizationId
        self.sessionStart = sessionStart
        self.sessionEnd = sessionEnd
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.score = score
        self.maxScore = maxScore
        self.passed = passed
        self.verdict = verdict
        self.verdictComment = verdictComment
        self.verifiedBy = verifiedBy
        self.verifiedAt = verifiedAt
        self.exportedAt = exportedAt
    }

    public var isVerified: Bool { verdict != nil }
}

/// Something a proctor saw during an attempt.
public struct Incident: Sendable, Equatable, Codable {
    public var at: Date
    public var category: String
    public var description: String

    public init(at: Date, category: String, description: String) {
        self.at = at
        self.category = category
        self.description = description
    }
}

/// The assigned proctor's account of an attempt; editable until the CSR's verdict.
public struct ProctorReport: Sendable, Equatable, Codable {
    public var incidents: [Incident]
    public var notes: String?
    /// 1 (serious concerns) to 5 (nothing to report).
    public var rating: Int

    public init(incidents: [Incident], notes: String?, rating: Int) {
        self.incidents = incidents
        self.notes = notes
        self.rating = rating
    }
}
