import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /authorizations`, `GET /authorizations/{id}`, `POST /authorizations/{id}/deactivate`.
/// CSRs and admins see all; a candidate sees only their own; proctors see none.
struct AuthorizationsController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/authorizations", use: list)
        router.get("/authorizations/:id", use: show)
        router.post("/authorizations/:id/deactivate", use: deactivate)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> AuthorizationList {
        let principal = try context.require(.admin, .csr, .integration, .candidate)
        let query = request.uri.queryParameters
        var filter = AuthorizationStore.Filter(
            status: try QueryValue.choice(query.get("status"), name: "status", as: AuthorizationStatus.self),
            examCode: query.get("examCode"),
            candidateId: query.get("candidateId"),
            purchaseId: query.get("purchaseId"),
            query: try QueryValue.search(query.get("query")),
            limit: try QueryValue.boundedInt(query.get("limit"), name: "limit", default: 100, range: 1...1000),
            offset: try QueryValue.boundedInt(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        )
        if principal.role == .integration, filter.purchaseId == nil && filter.candidateId == nil || filter.query != nil {
            throw Problem(
                .unprocessableContent, type: "filter-required", detail: "the integration role lists authorizations by purchaseId or candidateId, without query"
            )
        }
        if principal.role == .candidate {
            if let asked = filter.candidateId, asked != principal.subject {
                throw Problem(.forbidden, type: "forbidden", detail: "candidates may list only their own authorizations")
            }
            if filter.query != nil {
                throw Problem(.forbidden, type: "forbidden", detail: "candidates may not search other candidates")
            }
            filter.candidateId = principal.subject
        }
        let (found, total) = try await environment.database.withConnection { [filter] in try AuthorizationStore(connection: $0).list(filter) }
        return AuthorizationList(
            items: found.map { AuthorizationView($0.0, history: nil, candidate: principal.isStaff ? $0.1 : nil) },
            limit: filter.limit, offset: filter.offset, total: total
        )
    }

    /// A search needs two characters or more (one would match nearly everyone) and at most 100.
    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> AuthorizationView {
        let principal = try context.require(.admin, .csr, .integration, .candidate)
        let id = try context.uuidParameter(what: "authorization")
        let result = try await environment.database.withConnection { connection -> (Authorization, [StatusChange], CandidateContact?)? in
            let store = AuthorizationStore(connection: connection)
            guard let authorization = try store.find(id: id) else { return nil }
            return (authorization, try store.history(of: id), try store.contact(of: authorization.candidateId))
        }
        // Someone else's authorization is reported as missing, so ids cannot be probed.
        let seesAll = principal.isStaff || principal.role == .integration
        guard let (authorization, history, contact) = result, seesAll || authorization.candidateId == principal.subject else {
            throw Problem.notFound("authorization \(id.uuidString.lowercased())")
        }
        return AuthorizationView(authorization, history: history, candidate: principal.isStaff ? contact : nil)
    }

    struct DeactivateRequest: Decodable {
        var reason: String
    }

    @Sendable func deactivate(_ request: Request, context: ExamHallRequestContext) async throws -> AuthorizationView {
        let principal = try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "authorization")
        let body = try await request.decode(as: DeactivateRequest.self, context: context)
        var validator = Validator()
        validator.text("reason", body.reason, maxLength: 1000)
        try validator.throwIfInvalidAsProblem()

        let outbox = environment.outbox(correlationId: context.correlationId)
        let now = environment.clock()
        let actor = "\(principal.role.rawValue):\(principal.subject)"
        let outcome = try await environment.database.transaction { connection -> Result<(Authorization, [StatusChange]), AuthorizationRuleViolation>? in
            let store = AuthorizationStore(connection: connection)
            guard let current = try store.lock(id: id) else { return nil }
            do {
                let updated = try RecordTransition(connection: connection, outbox: outbox, now: now)
                    .apply(.deactivate, to: current, reason: body.reason, actor: actor, messageId: nil)
                return .success((updated, try store.history(of: id)))
            } catch let violation as AuthorizationRuleViolation {
                return .failure(violation)
            }
        }
        switch outcome {
        case nil: throw Problem.notFound("authorization \(id.uuidString.lowercased())")
        case let .failure(violation): throw Problem(.conflict, type: violation.problemType, detail: violation.description)
        case let .success((authorization, history)): return AuthorizationView(authorization, history: history)
        }
    }
}

/// An authorization as the API shows it.
struct AuthorizationView: ResponseEncodable, Decodable, Equatable {
    var id: String
    var purchaseId: String
    var candidateId: String
    var examCode: String
    var status: AuthorizationStatus
    var validUntil: Date?
    var bookingId: String?
    var sessionId: String?
    var inactivationReason: InactivationReason?
    var createdAt: Date
    var updatedAt: Date
    var history: [StatusChange]?
    /// The candidate's name and email, for staff only.
    var candidate: CandidateView?

    struct CandidateView: Codable, Equatable {
        var name: String
        var email: String
    }

    init(_ authorization: Authorization, history: [StatusChange]?, candidate: CandidateContact? = nil) {
        self.candidate = candidate.map { CandidateView(name: $0.name, email: $0.email) }
        id = authorization.id.uuidString.lowercased()
        purchaseId = authorization.purchaseId
        candidateId = authorization.candidateId
        examCode = authorization.examCode
        status = authorization.status
        validUntil = authorization.validUntil
        bookingId = authorization.bookingId
        sessionId = authorization.sessionId
        inactivationReason = authorization.inactivationReason
        createdAt = authorization.createdAt
        updatedAt = authorization.updatedAt
        self.history = history
    }
}

struct AuthorizationList: ResponseEncodable, Decodable {
    var items: [AuthorizationView]
    var limit: Int
    var offset: Int
    /// How many authorizations match in all, across pages.
    var total: Int
}
