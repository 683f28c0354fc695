import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET/POST /exams`, `GET/PATCH /exams/{code}`, `GET/POST /locations`, `GET/PATCH /locations/{id}`:
/// CSRs and admins manage them, every signed-in user reads them. Nothing in the catalog is deleted:
/// it is deactivated, and the sessions already planned keep it.
struct CatalogController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/exams", use: listExams)
        router.post("/exams", use: createExam)
        router.get("/exams/:code", use: showExam)
        router.patch("/exams/:code", use: updateExam)
        router.get("/locations", use: listLocations)
        router.post("/locations", use: createLocation)
        router.get("/locations/:id", use: showLocation)
        router.patch("/locations/:id", use: updateLocation)
    }

    struct ExamRequest: Decodable {
        var code: String
        var title: String
        var durationMinutes: Int
        var languages: [String]?
        /// False: finished attempts are verified by the system, without a CSR. Default true.
        var verificationRequired: Bool?
        /// What a no-show does to the authorization. Default `forfeit`.
        var noShowPolicy: NoShowPolicy?
    }

    @Sendable func createExam(_ request: Request, context: ExamHallRequestContext) async throws -> EditedResponse<ExamView> {
        try context.require(.admin, .csr)
        let body = try await request.decode(as: ExamRequest.self, context: context)
        var v = Validator()
        v.examCode("code", body.code)
        v.text("title", body.title)
        v.range("durationMinutes", body.durationMinutes, 1...1440)
        for (index, language) in (body.languages ?? []).enumerated() { v.language("languages[\(index)]", language) }
        try v.throwIfInvalidAsProblem()
        let exam = Exam(
            code: body.code, title: body.title, durationMinutes: body.durationMinutes, languages: body.languages ?? [],
            verificationRequired: body.verificationRequired ?? true, noShowPolicy: body.noShowPolicy ?? .forfeit
        )
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let created = try await environment.database.transaction { connection in
            guard try SessionStore(connection: connection).insert(exam, at: now) else { return false }
            try outbox.publish(
                ExamUpdated(
                    examCode: exam.code, title: exam.title, verificationRequired: exam.verificationRequired, noShowPolicy: exam.noShowPolicy,
                    updatedAt: now
                ),
                on: connection
            )
            return true
        }
        guard created else { throw Problem(.conflict, type: "exam-exists", detail: "an exam with code \(exam.code) already exists") }
        return EditedResponse(status: .created, response: ExamView(exam))
    }

    @Sendable func showExam(_ request: Request, context: ExamHallRequestContext) async throws -> ExamView {
        try context.require(.admin, .csr, .proctor, .candidate)
        let code = context.parameters.get("code") ?? ""
        guard let exam = try await environment.database.withConnection({ try SessionStore(connection: $0).exam(code) }) else {
            throw Problem.notFound("exam \(code)")
        }
        return ExamView(exam)
    }

    struct ExamChange: Decodable {
        var title: String?
        var durationMinutes: Int?
        var languages: [String]?
        var verificationRequired: Bool?
        var noShowPolicy: NoShowPolicy?
        var active: Bool?
    }

    /// Corrects an exam or deactivates (and reactivates) it; the services that follow the catalog hear
    /// of it through `exam.updated`. Its code is the payment system's name for it and never changes.
    @Sendable func updateExam(_ request: Request, context: ExamHallRequestContext) async throws -> ExamView {
        try context.require(.admin, .csr)
        let code = context.parameters.get("code") ?? ""
        let body = try await request.decode(as: ExamChange.self, context: context)
        var v = Validator()
        if let title = body.title { v.text("title", title) }
        if let minutes = body.durationMinutes { v.range("durationMinutes", minutes, 1...1440) }
        for (index, language) in (body.languages ?? []).enumerated() { v.language("languages[\(index)]", language) }
        try v.throwIfInvalidAsProblem()
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        return try await environment.database.transaction { connection in
            let store = SessionStore(connection: connection)
            guard var exam = try store.lockExam(code) else { throw NotFound(what: "exam \(code)") }
            let before = exam
            exam.title = body.title ?? exam.title
            exam.durationMinutes = body.durationMinutes ?? exam.durationMinutes
            exam.languages = body.languages ?? exam.languages
            exam.verificationRequired = body.verificationRequired ?? exam.verificationRequired
            exam.noShowPolicy = body.noShowPolicy ?? exam.noShowPolicy
            exam.active = body.active ?? exam.active
            guard exam != before else { return ExamView(exam) }
            try store.update(exam, at: now)
            try outbox.publish(
                ExamUpdated(
                    examCode: exam.code, title: exam.title, verificationRequired: exam.verificationRequired, noShowPolicy: exam.noShowPolicy,
                    updatedAt: now
                ),
                on: connection
            )
            return ExamView(exam)
        }
    }

    @Sendable func listExams(_ request: Request, context: ExamHallRequestContext) async throws -> Page<ExamView> {
        try context.require(.admin, .csr, .proctor, .candidate)
        let page = try Self.page(request)
        let pattern = try Self.searchPattern(request)
        let exams = try await environment.database.withConnection {
            try SessionStore(connection: $0).exams(matching: pattern, limit: page.limit, offset: page.offset)
        }
        return Page(items: exams.items.map(ExamView.init), total: exams.total, limit: page.limit, offset: page.offset)
    }

    struct LocationRequest: Decodable {
        var name: String
        var address: String
        var timeZone: String
    }

    @Sendable func createLocation(_ request: Request, context: ExamHallRequestContext) async throws -> EditedResponse<LocationView> {
        try context.require(.admin, .csr)
        let body = try await request.decode(as: LocationRequest.self, context: context)
        var v = Validator()
        v.text("name", body.name)
        v.text("address", body.address, maxLength: 500)
        v.timeZone("timeZone", body.timeZone)
        try v.throwIfInvalidAsProblem()
        let location = Location(id: UUID.timeOrdered(), name: body.name, address: body.address, timeZone: body.timeZone)
        let now = environment.clock()
        try await environment.database.withConnection { try SessionStore(connection: $0).insert(location, at: now) }
        return EditedResponse(status: .created, response: LocationView(location))
    }

    @Sendable func listLocations(_ request: Request, context: ExamHallRequestContext) async throws -> Page<LocationView> {
        try context.require(.admin, .csr, .proctor, .candidate)
        let page = try Self.page(request)
        let pattern = try Self.searchPattern(request)
        let locations = try await environment.database.withConnection {
            try SessionStore(connection: $0).locations(matching: pattern, limit: page.limit, offset: page.offset)
        }
        return Page(items: locations.items.map { LocationView($0) }, total: locations.total, limit: page.limit, offset: page.offset)
    }

    @Sendable func showLocation(_ request: Request, context: ExamHallRequestContext) async throws -> LocationView {
        try context.require(.admin, .csr, .proctor, .candidate)
        let id = try context.uuidParameter(what: "location")
        guard let location = try await environment.database.withConnection({ try SessionStore(connection: $0).location(id) }) else {
            throw Problem.notFound("location \(id.uuidString.lowercased())")
        }
        return LocationView(location)
    }

    /// Catalog lists answer with the whole catalog up to the largest page, so a form offers every entry.
    static func page(_ request: Request) throws -> PageRequest {
        let query = request.uri.queryParameters
        return try PageRequest(limit: query.get("limit"), offset: query.get("offset"), defaultLimit: PageRequest.maximumLimit)
    }

    /// The `LIKE` pattern of a catalog list's `query` (2 to 100 characters), or nil without one.
    static func searchPattern(_ request: Request) throws -> String? {
        try QueryValue.search(request.uri.queryParameters.get("query")).map(QueryValue.containsPattern)
    }

    struct LocationChange: Decodable {
        var name: String?
        var address: String?
        var timeZone: String?
        var active: Bool?
    }

    /// Corrects a location or deactivates (and reactivates) it. A change its candidates would see (name,
    /// address or clock) reaches every session there that has not ended: a history line on each and a
    /// `session.updated` naming `location`, so their candidates are told. The answer lists those sessions.
    @Sendable func updateLocation(_ request: Request, context: ExamHallRequestContext) async throws -> LocationView {
        let principal = try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "location")
        let body = try await request.decode(as: LocationChange.self, context: context)
        var v = Validator()
        if let name = body.name { v.text("name", name) }
        if let address = body.address { v.text("address", address, maxLength: 500) }
        if let timeZone = body.timeZone { v.timeZone("timeZone", timeZone) }
        try v.throwIfInvalidAsProblem()
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        return try await environment.database.transaction { connection in
            let store = SessionStore(connection: connection)
            guard var location = try store.lockLocation(id) else { throw NotFound(what: "location \(id.uuidString.lowercased())") }
            let before = location
            location.name = body.name ?? location.name
            location.address = body.address ?? location.address
            location.timeZone = body.timeZone ?? location.timeZone
            location.active = body.active ?? location.active
            if location != before { try store.update(location, at: now) }
            let sessions = try store.upcomingSessions(at: id, after: now)
            if CatalogRules.candidatesSee(before, location) {
                let was = try SessionHistory.text(CatalogRules.place(before)), becomes = try SessionHistory.text(CatalogRules.place(location))
                for session in sessions {
                    try store.recordHistory(of: session.id, at: now, by: principal.auditName, change: "location-changed", before: was, after: becomes)
                    try outbox.publish(SessionUpdated(session: session.snapshot, previousStart: nil, previousEnd: nil, changedFields: [.location]), on: connection)
                }
            }
            return LocationView(location, sessions: sessions)
        }
    }
}
