import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /me/results`: each exam the candidate sat, with its result once a CSR has verified it (or the
/// system, for exams that need no review), and "Not verified yet" before.
struct CandidateResultsController: Sendable {
    let pages: CandidatePages

    struct Content: Sendable {
        var words: CandidateWords
        var results: [ResultView]
        var hasResults: Bool
    }

    struct ResultView: Sendable {
        var exam: String
        var date: String
        var outcome: String
        var score: String?
        var verified: Bool
    }

    private struct Result: Decodable, Sendable {
        var examCode: String
        var verdict: String
        var score: Double?
        var maxScore: Double?
        var passed: Bool?
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/me/results", use: show)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await pages.gate.requireCandidate(request)
        let words = CandidateWords.of(signedIn.language)
        let principal = signedIn.candidate.principal
        async let attempts = pages.client.get(.verification, "/attempts", query: ["status": "finished", "limit": "1000"], as: APIList<APIAttempt>.self, for: principal)
        async let titles = pages.examTitles(for: principal)
        let (finished, names) = try await (attempts.items, titles)
        let results = try await withThrowingTaskGroup(of: (Date, ResultView).self) { group in
            for attempt in finished {
                group.addTask {
                    let sat = attempt.finishedAt ?? attempt.startedAt ?? .distantPast
                    var view = ResultView(
                        exam: names[attempt.examCode].map { "\($0) (\(attempt.examCode))" } ?? attempt.examCode,
                        date: DisplayTime.day(sat, timeZone: TimeZone(identifier: signedIn.candidate.timeZone) ?? .gmt, language: words.language),
                        outcome: words.notVerifiedYet, score: nil, verified: false
                    )
                    do {
                        let result = try await pages.client.get(.verification, "/attempts/\(attempt.id)/result", as: Result.self, for: principal)
                        view.verified = true
                        view.outcome = result.verdict == "negative" ? words.notPassedVerdict : (result.passed == false ? words.failed : words.passed)
                        if let score = result.score, let maxScore = result.maxScore { view.score = words.score(score, of: maxScore) }
                    } catch let problem as ServiceProblem where problem.status == 409 {
                        // Not verified yet: the page says so.
                    }
                    return (sat, view)
                }
            }
            var all: [(Date, ResultView)] = []
            for try await result in group { all.append(result) }
            return all.sorted { $0.0 > $1.0 }.map(\.1)
        }
        return pages.render(
            "me-results", title: words.resultsTitle, content: Content(words: words, results: results, hasResults: !results.isEmpty),
            signedIn, section: "/me/results", request: request
        )
    }
}
