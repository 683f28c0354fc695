import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `POST /sessions/{id}/bookings`, `GET /bookings`, `GET /bookings/{id}`, `POST /bookings/{id}/cancel`,
/// `POST /bookings/{id}/transfer`. Candidates act on their own bookings only; CSRs and admins on any.
struct BookingsController {
    let environment: ServiceEnvironment
    let batcher: BookingBatcher

    init(environment: ServiceEnvironment) {
        self.environment = environment
        batcher = BookingBatcher(environment: environment)
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.post("/sessions/:id/bookings", use: book)
        router.get("/bookings", use: list)
        router.get("/bookings/:id", use: show)
        router.post("/bookings/:id/cancel", use: cancel)
        router.post("/bookings/:id/transfer", use: transfer)
    }

    struct BookRequest: Decodable {
        /// A CSR names the candidate; a candidate books for themself.
        var candidateId: String?
        /// How a CSR assigns an Open authorization (e.g. to a private session).
        var authorizationId: UUID?
        /// Which exam, in a common private session booked without an authorization.
        var examCode: String?
        /// Join the waitlist when the session is full.
        var waitlist: Bool?
        /// Contact data for a candidate the service has not heard of yet.
        var candidate: CandidateContact?
        /// `"authorizationId": null`, said explicitly: book without the candidate's Open authorization.
        var declinesAuthorization = false

        enum CodingKeys: String, CodingKey {
            case candidateId, authorizationId, examCode, waitlist, candidate
        }

        init() {}

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            candidateId = try container.decodeIfPresent(String.self, forKey: .candidateId)
            authorizationId = try container.decodeIfPresent(UUID.self, forKey: .authorizationId)
            examCode = try container.decodeIfPresent(String.self, forKey: .examCode)
            waitlist = try container.decodeIfPresent(Bool.self, forKey: .waitlist)
            candidate = try container.decodeIfPresent(CandidateContact.self, forKey: .candidate)
            declinesAuthorization = container.contains(.authorizationId) && authorizationId == nil
        }
    }

    @Sendable func book(_ request: Request, context: ExamHallRequestContext) async throws -> EditedResponse<BookingView> {
        let principal = try context.require(.admin, .csr, .candidate)
        let sessionId = try context.uuidParameter(what: "session")
        let body = try await request.decodeIfPresent(as: BookRequest.self, context: context) ?? BookRequest()
        var v = Validator()
        v.identifier("candidateId", body.candidateId)
        if let examCode = body.examCode { v.examCode("examCode", examCode) }
        v.nested("candidate", body.candidate)
        try v.throwIfInvalidAsProblem()

        var command = BookingWorkflow.BookCommand(
            sessionId: sessionId, requester: .candidate(id: principal.subject), candidateId: principal.subject,
            examCode: body.examCode, authorizationId: body.authorizationId, declinesAuthorization: body.declinesAuthorization,
            joinWaitlistWhenFull: body.waitlist ?? false,
            contact: body.candidate
        )
        if principal.isStaff {
            command.requester = .staff(actor: principal.role == .admin ? .admin : .csr)
            command.staffMember = principal.auditName
            if let candidateId = body.candidateId {
                command.candidateId = candidateId
            } else if let authorizationId = body.authorizationId {
                // Assigning an authorization: the candidate is its holder.
                guard let holder = try await environment.database.withConnection({ try BookingStore(connection: $0).authorization(authorizationId)?.candidateId }) else {
                    throw NotFound(what: "authorization \(authorizationId.uuidString.lowercased())")
                }
                command.candidateId = holder
            } else {
                throw Problem(.unprocessableContent, type: "validation-failed", detail: "candidateId is required when a CSR books")
            }
        } else {
            if let asked = body.candidateId, asked != principal.subject {
                throw Problem(.forbidden, type: "forbidden", detail: "candidates book only for themselves")
            }
            command.contact = body.candidate ?? Self.contact(of: principal, defaultLanguage: environment.configuration.defaultLanguage)
        }
        let booking = try await batcher.book(command, correlationId: context.correlationId)
        return EditedResponse(status: .created, response: BookingView(booking))
    }

    /// A candidate's contact data from their token, when it carries at least name and email.
    static func contact(of principal: Principal, defaultLanguage: String) -> CandidateContact? {
        guard let name = principal.name, let email = principal.email, Formats.isEmail(email) else { return nil }
        let language = principal.language.flatMap { Formats.isLanguageTag($0) ? $0 : nil } ?? defaultLanguage
        let timeZone = principal.timeZone.flatMap { TimeZone(identifier: $0) != nil ? $0 : nil } ?? "UTC"
        return CandidateContact(name: name, email: email, language: language, timeZone: timeZone)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Page<BookingView> {
        let principal = try context.require(.admin, .csr, .integration, .candidate)
        let query = request.uri.queryParameters
        var filter = BookingStore.Filter(
            candidateId: query.get("candidateId"), purchaseId: query.get("purchaseId"),
            sessionId: try QueryValue.uuid(query.get("sessionId"), name: "sessionId"),
            status: try QueryValue.choice(query.get("status"), name: "status", as: BookingStatus.self),
            limit: try QueryValue.boundedInt(query.get("limit"), name: "limit", default: 100, range: 1...1000),
            offset: try QueryValue.boundedInt(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        )
        if principal.role == .integration, filter.purchaseId == nil && filter.candidateId == nil {
            throw Problem(.unprocessableContent, type: "filter-required", detail: "the integration role lists bookings by purchaseId or candidateId")
        }
        if principal.role == .candidate {
            if let asked = filter.candidateId, asked != principal.subject {
                throw Problem(.forbidden, type: "forbidden", detail: "candidates may list only their own bookings")
            }
            filter.candidateId = principal.subject
        }
        let staff = principal.isStaff
        let (found, total, contacts, positions) = try await environment.database.withConnection { [filter] connection in
            let store = BookingStore(connection: connection)
            let (found, total) = try store.page(filter)
            return (found, total, staff ? try store.candidates(Array(Set(found.map(\.candidateId)))) : [:], try store.waitlistPositions(of: found.map(\.id)))
        }
        return Page(
            items: found.map { BookingView($0, candidate: contacts[$0.candidateId], waitlistPosition: positions[$0.id]) },
            total: total, limit: filter.limit, offset: filter.offset
        )
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> BookingView {
        let principal = try context.require(.admin, .csr, .integration, .candidate)
        let id = try context.uuidParameter(what: "booking")
        let staff = principal.isStaff
        let found = try await environment.database.withConnection { connection -> (Booking, CandidateContact?, Int?)? in
            let store = BookingStore(connection: connection)
            guard let booking = try store.find(id) else { return nil }
            return (booking, staff ? try store.candidate(booking.candidateId) : nil, try store.waitlistPositions(of: [id])[id])
        }
        // Someone else's booking is reported as missing, so ids cannot be probed.
        guard let (booking, contact, position) = found, BookingWorkflow.canSee(booking, Self.requester(principal)) else {
            throw Problem.notFound("booking \(id.uuidString.lowercased())")
        }
        return BookingView(booking, candidate: contact, waitlistPosition: position)
    }

    struct CancelRequest: Decodable {
        var reason: String?
    }

    @Sendable func cancel(_ request: Request, context: ExamHallRequestContext) async throws -> BookingView {
        let principal = try context.require(.admin, .csr, .candidate)
        let id = try context.uuidParameter(what: "booking")
        let body = try await request.decodeIfPresent(as: CancelRequest.self, context: context)
        var v = Validator()
        v.text("reason", body?.reason, maxLength: 1000)
        try v.throwIfInvalidAsProblem()
        let requester = Self.requester(principal)
        let reason = body?.reason ?? (principal.isStaff ? "cancelled by \(principal.role.rawValue)" : "cancelled by the candidate")
        let booking = try await inWorkflow(context, by: principal) { try $0.cancel(id, by: requester, reason: reason) }
        return BookingView(booking)
    }

    struct TransferRequest: Decodable {
        var sessionId: UUID
    }

    /// A CSR transfers any confirmed booking; a candidate reschedules their own (same exam, before the
    /// cancellation deadline). Either way the seat moves in one transaction.
    @Sendable func transfer(_ request: Request, context: ExamHallRequestContext) async throws -> BookingView {
        let principal = try context.require(.admin, .csr, .candidate)
        let id = try context.uuidParameter(what: "booking")
        let body = try await request.decode(as: TransferRequest.self, context: context)
        let requester = Self.requester(principal)
        let booking = try await inWorkflow(context, by: principal) { try $0.transfer(id, to: body.sessionId, by: requester) }
        return BookingView(booking)
    }

    private func inWorkflow<T: Sendable>(
        _ context: ExamHallRequestContext, by principal: Principal, _ body: @escaping @Sendable (BookingWorkflow) throws -> T
    ) async throws -> T {
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let window = environment.configuration.paymentWindow
        return try await environment.database.transaction { connection in
            try body(BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window, by: principal.auditName))
        }
    }

    static func requester(_ principal: Principal) -> Requester {
        switch principal.role {
        case .candidate: .candidate(id: principal.subject)
        case .admin: .staff(actor: .admin)
        default: .staff(actor: .csr)
        }
    }
}
