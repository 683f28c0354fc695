import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /attempts`, `GET /attempts/{id}`, `POST /attempts/{id}/start|finish|report` (assigned proctor),
/// `POST /attempts/{id}/verdict` (CSR), `GET /attempts/{id}/result` (the candidate, once verified),
/// `GET /exports`, `POST /exports/run` (admin). Proctors see their sessions' attempts, candidates their own.
struct AttemptsController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/attempts", use: list)
        router.get("/attempts/:id", use: show)
        router.post("/attempts/:id/start", use: start)
        router.post("/attempts/:id/finish", use: finish)
        router.post("/attempts/:id/report", use: report)
        router.post("/attempts/:id/verdict", use: verdict)
        router.post("/attempts/:id/void", use: void)
        router.get("/attempts/:id/result", use: result)
        router.get("/exports", use: exports)
        router.post("/exports/run", use: runExports)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptList {
        let principal = try context.require(.admin, .csr, .proctor, .candidate)
        let query = request.uri.queryParameters
        var filter = AttemptStore.Filter(
            status: try QueryValue.choice(query.get("status"), name: "status", as: AttemptStatus.self),
            examCode: query.get("examCode"), sessionId: query.get("sessionId"), candidateId: query.get("candidateId"),
            awaitingVerdict: query.get("awaitingVerdict") == "true",
            maximumRating: try query.get("maxRating").map { try QueryValue.boundedInt($0, name: "maxRating", default: 5, range: 1...5) },
            limit: try QueryValue.boundedInt(query.get("limit"), name: "limit", default: 100, range: 1...1000),
            offset: try QueryValue.boundedInt(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        )
        switch principal.role {
        case .candidate:
            if let asked = filter.candidateId, asked != principal.subject {
                throw Problem(.forbidden, type: "forbidden", detail: "candidates may list only their own attempts")
            }
            filter.candidateId = principal.subject
        case .proctor: filter.proctorId = principal.subject
        case .admin, .csr: break
        case .integration: throw Problem(.forbidden, type: "forbidden", detail: "the integration role reads exports, not attempts")
        }
        let (found, total) = try await environment.database.withConnection { [filter] in try AttemptStore(connection: $0).list(filter) }
        return AttemptList(items: found.map { AttemptView($0, for: principal) }, total: total, limit: filter.limit, offset: filter.offset)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptView {
        let principal = try context.require(.admin, .csr, .proctor, .candidate)
        let id = try context.uuidParameter(what: "attempt")
        let found = try await environment.database.withConnection { connection -> (Attempt, ProctorReport?, [AttemptStore.AuditLine])? in
            let store = AttemptStore(connection: connection)
            guard let attempt = try store.find(id), try Self.maySee(attempt, principal, store) else { return nil }
            return (attempt, try store.report(of: id)?.report, principal.isStaff ? try store.auditTrail(of: id) : [])
        }
        guard let (attempt, report, audit) = found else { throw Problem.notFound("attempt \(id.uuidString.lowercased())") }
        var view = AttemptView(attempt, for: principal)
        if principal.role != .candidate { view.report = report }
        if principal.isStaff { view.audit = audit }
        return view
    }

    /// When the proctor saw it happen; omitted means now. Never in the future.
    struct StartRequest: Decodable {
        var at: Date?
    }

    /// An in-person session's start, marked by its assigned proctor; marking it again changes nothing.
    @Sendable func start(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptView {
        let principal = try context.require(.proctor)
        let id = try context.uuidParameter(what: "attempt")
        let body = try await request.decodeIfPresent(as: StartRequest.self, context: context, upTo: 16_384) ?? StartRequest(at: nil)
        let now = environment.clock()
        try AttemptRules.checkMark(at: body.at, now: now).throwIfInvalidAsProblem()
        let attempt = try await progress(id, by: principal, context: context, now: now) { progress, attempt in
            try progress.start(attempt, at: body.at ?? now)
        }
        return AttemptView(attempt, for: principal)
    }

    struct FinishRequest: Decodable {
        var at: Date?
        var score: Double
        var maxScore: Double
        var passed: Bool
    }

    /// An in-person session's finish and score, entered by its assigned proctor.
    @Sendable func finish(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptView {
        let principal = try context.require(.proctor)
        let id = try context.uuidParameter(what: "attempt")
        let body = try await request.decode(as: FinishRequest.self, context: context)
        let now = environment.clock()
        try AttemptRules.checkMark(at: body.at, now: now, score: body.score, maxScore: body.maxScore).throwIfInvalidAsProblem()
        let attempt = try await progress(id, by: principal, context: context, now: now) { progress, attempt in
            try progress.finish(attempt, at: body.at ?? now, score: body.score, maxScore: body.maxScore, passed: body.passed)
        }
        return AttemptView(attempt, for: principal)
    }

    private func progress(
        _ id: UUID, by principal: Principal, context: ExamHallRequestContext, now: Date,
        _ change: @escaping @Sendable (AttemptProgress, Attempt) throws -> Attempt
    ) async throws -> Attempt {
        let outbox = environment.outbox(correlationId: context.correlationId)
        return try await inTransaction { store in
            guard let attempt = try store.lock(id) else { throw Problem.notFound("attempt \(id.uuidString.lowercased())") }
            guard try store.isProctor(principal.subject, of: attempt.sessionId) else { throw AttemptRefusal.proctorNotAssigned }
            let progress = AttemptProgress(store: store, outbox: outbox, now: now, actor: "proctor:\(principal.subject)")
            return try change(progress, attempt)
        }
    }

    struct ReportRequest: Decodable {
        var incidents: [Incident]?
        var notes: String?
        var rating: Int
    }

    @Sendable func report(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptView {
        let principal = try context.require(.proctor)
        let id = try context.uuidParameter(what: "attempt")
        let body = try await request.decode(as: ReportRequest.self, context: context)
        var v = Validator()
        v.range("rating", body.rating, 1...5)
        v.text("notes", body.notes, maxLength: 10_000)
        for (index, incident) in (body.incidents ?? []).enumerated() {
            v.text("incidents[\(index)].category", incident.category, maxLength: 100)
            v.text("incidents[\(index)].description", incident.description, maxLength: 5000)
        }
        try v.throwIfInvalidAsProblem()
        let report = ProctorReport(incidents: body.incidents ?? [], notes: body.notes, rating: body.rating)
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let attempt = try await inTransaction { store in
            guard let attempt = try store.lock(id) else { throw Problem.notFound("attempt \(id.uuidString.lowercased())") }
            try AttemptRules.mayReport(attempt, proctorAssignedToSession: try store.isProctor(principal.subject, of: attempt.sessionId))
            try store.saveReport(report, for: id, by: principal.subject, at: now)
            try store.audit(id, action: "report", actor: "proctor:\(principal.subject)", detail: "rating \(report.rating), \(report.incidents.count) incidents", at: now)
            try outbox.publish(
                ProctorReportSubmitted(
                    attemptId: id.uuidString.lowercased(), sessionId: attempt.sessionId, proctorId: principal.subject, rating: report.rating,
                    incidentCount: report.incidents.count, submittedAt: now
                ),
                on: store.connection
            )
            return attempt
        }
        var view = AttemptView(attempt, for: principal)
        view.report = report
        return view
    }

    struct VerdictRequest: Decodable {
        var verdict: Verdict
        var comment: String?
    }

    @Sendable func verdict(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptView {
        let principal = try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "attempt")
        let body = try await request.decode(as: VerdictRequest.self, context: context)
        var v = Validator()
        v.text("comment", body.comment, maxLength: 5000)
        try v.throwIfInvalidAsProblem()
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let actor = "\(principal.role.rawValue):\(principal.subject)"
        let verified = try await inTransaction { store in
            guard let attempt = try store.lock(id) else { throw Problem.notFound("attempt \(id.uuidString.lowercased())") }
            return try AttemptProgress(store: store, outbox: outbox, now: now, actor: actor).verify(attempt, verdict: body.verdict, comment: body.comment)
        }
        return AttemptView(verified, for: principal)
    }

    struct VoidRequest: Decodable {
        var reason: String
    }

    /// A CSR voids an attempt that does not count: its booking is cancelled and its authorization, used
    /// or not, is Open again (`attempt.voided`).
    @Sendable func void(_ request: Request, context: ExamHallRequestContext) async throws -> AttemptView {
        let principal = try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "attempt")
        let body = try await request.decode(as: VoidRequest.self, context: context)
        var v = Validator()
        v.text("reason", body.reason, maxLength: 1000)
        try v.throwIfInvalidAsProblem()
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let actor = "\(principal.role.rawValue):\(principal.subject)"
        let voided = try await inTransaction { store in
            guard let attempt = try store.lock(id) else { throw Problem.notFound("attempt \(id.uuidString.lowercased())") }
            return try AttemptProgress(store: store, outbox: outbox, now: now, actor: actor)
                .void(attempt, reason: body.reason, by: principal.role == .admin ? .admin : .csr)
        }
        return AttemptView(voided, for: principal)
    }

    /// The candidate's result: only their own, and only once verified.
    @Sendable func result(_ request: Request, context: ExamHallRequestContext) async throws -> ResultView {
        let principal = try context.require(.admin, .csr, .candidate)
        let id = try context.uuidParameter(what: "attempt")
        let attempt = try await environment.database.withConnection { try AttemptStore(connection: $0).find(id) }
        guard let attempt, principal.isStaff || attempt.candidateId == principal.subject else {
            throw Problem.notFound("attempt \(id.uuidString.lowercased())")
        }
        do {
            try AttemptRules.resultVisible(attempt)
        } catch {
            throw Problem(.conflict, type: error.problemType, detail: error.description)
        }
        return ResultView(attempt)
    }

    @Sendable func exports(_ request: Request, context: ExamHallRequestContext) async throws -> ExportList {
        try context.require(.admin, .csr, .integration)
        let query = request.uri.queryParameters
        let state = try QueryValue.choice(query.get("state"), name: "state", as: AttemptStore.ExportLine.State.self)
        let limit = try QueryValue.boundedInt(query.get("limit"), name: "limit", default: 200, range: 1...1000)
        let offset = try QueryValue.boundedInt(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        let now = environment.clock()
        let page = try await environment.database.withConnection { try AttemptStore(connection: $0).exports(state: state, now: now, limit: limit, offset: offset) }
        return ExportList(items: page.items, counts: page.counts, total: page.total, limit: limit, offset: offset)
    }

    struct RunReply: ResponseEncodable, Codable {
        var exported: Int
    }

    @Sendable func runExports(_ request: Request, context: ExamHallRequestContext) async throws -> RunReply {
        try context.require(.admin)
        return RunReply(exported: try await ExportResults.runOnce(environment))
    }

    private func inTransaction<T: Sendable>(_ body: @escaping @Sendable (AttemptStore) throws -> T) async throws -> T {
        do {
            return try await environment.database.transaction { try body(AttemptStore(connection: $0)) }
        } catch let refusal as AttemptRefusal {
            let status: HTTPResponse.Status = refusal == .proctorNotAssigned ? .forbidden : .conflict
            throw Problem(status, type: refusal.problemType, detail: refusal.description)
        }
    }

    static func maySee(_ attempt: Attempt, _ principal: Principal, _ store: AttemptStore) throws -> Bool {
        switch principal.role {
        case .admin, .csr: true
        case .candidate: attempt.candidateId == principal.subject
        case .proctor: try store.isProctor(principal.subject, of: attempt.sessionId)
        case .integration: false
        }
    }
}

/// An attempt as the API shows it. Scores and the verdict reach a candidate only through `/result`.
struct AttemptView: ResponseEncodable, Codable {
    var id: String
    var bookingId: String
    var sessionId: String
    var candidateId: String
    /// For staff: proctors check it at the door, CSRs read it in the queue.
    var candidateName: String?
    var examCode: String
    var authorizationId: String?
    var status: AttemptStatus
    var startedAt: Date?
    var finishedAt: Date?
    var score: Double?
    var maxScore: Double?
    var passed: Bool?
    var verdict: Verdict?
    var verdictComment: String?
    var verifiedBy: String?
    var verifiedAt: Date?
    var exportedAt: Date?
    var report: ProctorReport?
    var audit: [AttemptStore.AuditLine]?

    init(_ attempt: Attempt, for principal: Principal) {
        id = attempt.id.uuidString.lowercased()
        bookingId = id
        sessionId = attempt.sessionId
        candidateId = attempt.candidateId
        examCode = attempt.examCode
        authorizationId = attempt.authorizationId
        status = attempt.status
        startedAt = attempt.startedAt
        finishedAt = attempt.finishedAt
        if principal.role != .candidate {
            candidateName = attempt.candidateName
            score = attempt.score
            maxScore = attempt.maxScore
            passed = attempt.passed
            verdict = attempt.verdict
            verdictComment = attempt.verdictComment
            verifiedBy = attempt.verifiedBy
            verifiedAt = attempt.verifiedAt
            exportedAt = attempt.exportedAt
        }
    }
}

struct AttemptList: ResponseEncodable, Codable {
    var items: [AttemptView]
    var total: Int
    var limit: Int
    var offset: Int
}

struct ResultView: ResponseEncodable, Codable {
    var attemptId: String
    var examCode: String
    var verdict: Verdict
    var score: Double?
    var maxScore: Double?
    var passed: Bool?
    var verifiedAt: Date?

    init(_ attempt: Attempt) {
        attemptId = attempt.id.uuidString.lowercased()
        examCode = attempt.examCode
        verdict = attempt.verdict ?? .negative
        score = attempt.score
        maxScore = attempt.maxScore
        passed = attempt.passed
        verifiedAt = attempt.verifiedAt
    }
}

/// One page of export lines, with `total` (those matching the filter) and `counts` (every verified
/// result by state, whatever the page).
struct ExportList: ResponseEncodable, Codable {
    var items: [AttemptStore.ExportLine]
    var counts: [String: Int]
    var total: Int
    var limit: Int
    var offset: Int
}
