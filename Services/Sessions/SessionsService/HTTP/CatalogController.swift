import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET/POST /exams`, `GET/POST /locations`, `GET /locations/{id}`: CSRs and admins manage them,
/// every signed-in user reads them.
struct CatalogController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/exams", use: listExams)
        router.post("/exams", use: createExam)
        router.get("/locations", use: listLocations)
        router.post("/locations", use: createLocation)
        router.get("/locations/:id", use: showLocation)
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

    @Sendable func listExams(_ request: Request, context: ExamHallRequestContext) async throws -> Page<ExamView> {
        try context.require(.admin, .csr, .proctor, .candidate)
        let exams = try await environment.database.withConnection { try SessionStore(connection: $0).exams() }
        return Page(items: exams.map(ExamView.init), total: exams.count, limit: exams.count, offset: 0)
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
        let locations = try await environment.database.withConnection { try SessionStore(connection: $0).locations() }
        return Page(items: locations.map(LocationView.init), total: locations.count, limit: locations.count, offset: 0)
    }

    @Sendable func showLocation(_ request: Request, context: ExamHallRequestContext) async throws -> LocationView {
        try context.require(.admin, .csr, .proctor, .candidate)
        let id = try context.uuidParameter(what: "location")
        guard let location = try await environment.database.withConnection({ try SessionStore(connection: $0).location(id) }) else {
            throw Problem.notFound("location \(id.uuidString.lowercased())")
        }
        return LocationView(location)
    }
}
