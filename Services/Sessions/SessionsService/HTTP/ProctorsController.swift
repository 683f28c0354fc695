import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET/POST /proctors`, `GET/PATCH /proctors/{id}`, `PUT/DELETE /sessions/{id}/proctors/{proctorId}`.
/// A proctor is never on two overlapping sessions, and a deactivated one gets no new session.
struct ProctorsController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/proctors", use: list)
        router.post("/proctors", use: create)
        router.get("/proctors/:id", use: show)
        router.patch("/proctors/:id", use: update)
        router.put("/sessions/:id/proctors/:proctorId", use: assign)
        router.delete("/sessions/:id/proctors/:proctorId", use: unassign)
    }

    struct ProctorRequest: Decodable {
        var name: String
        var email: String
    }

    @Sendable func create(_ request: Request, context: ExamHallRequestContext) async throws -> EditedResponse<ProctorView> {
        try context.require(.admin, .csr)
        let body = try await request.decode(as: ProctorRequest.self, context: context)
        var v = Validator()
        v.text("name", body.name)
        v.email("email", body.email)
        try v.throwIfInvalidAsProblem()
        let proctor = Proctor(id: UUID.timeOrdered(), name: body.name, email: body.email.lowercased())
        let now = environment.clock()
        let created = try await environment.database.withConnection { try SessionStore(connection: $0).insert(proctor, at: now) }
        guard created else { throw Problem(.conflict, type: "proctor-exists", detail: "a proctor with email \(proctor.email) is already registered") }
        return EditedResponse(status: .created, response: ProctorView(proctor))
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Page<ProctorView> {
        try context.require(.admin, .csr)
        let page = try CatalogController.page(request)
        let pattern = try CatalogController.searchPattern(request)
        let proctors = try await environment.database.withConnection {
            try SessionStore(connection: $0).proctors(matching: pattern, limit: page.limit, offset: page.offset)
        }
        return Page(items: proctors.items.map { ProctorView($0) }, total: proctors.total, limit: page.limit, offset: page.offset)
    }

    /// One proctor with the sessions still to come they are assigned to.
    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> ProctorView {
        try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "proctor")
        let now = environment.clock()
        return try await environment.database.withConnection { connection in
            let store = SessionStore(connection: connection)
            guard let proctor = try store.proctor(id) else { throw NotFound(what: "proctor \(id.uuidString.lowercased())") }
            return ProctorView(proctor, assignments: try Self.assignments(of: id, store: store, now: now))
        }
    }

    struct ProctorChange: Decodable {
        var name: String?
        var email: String?
        var active: Bool?
    }

    /// Corrects a proctor's name or email, or deactivates (and reactivates) them. Deactivating leaves
    /// their assignments as they are, listed in the answer, for a CSR to hand over.
    @Sendable func update(_ request: Request, context: ExamHallRequestContext) async throws -> ProctorView {
        try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "proctor")
        let body = try await request.decode(as: ProctorChange.self, context: context)
        var v = Validator()
        if let name = body.name { v.text("name", name) }
        if let email = body.email { v.email("email", email) }
        try v.throwIfInvalidAsProblem()
        let now = environment.clock()
        return try await environment.database.transaction { connection in
            let store = SessionStore(connection: connection)
            guard var proctor = try store.lockProctor(id) else { throw NotFound(what: "proctor \(id.uuidString.lowercased())") }
            proctor.name = body.name ?? proctor.name
            proctor.email = body.email?.lowercased() ?? proctor.email
            proctor.active = body.active ?? proctor.active
            guard try store.update(proctor) else {
                throw Problem(.conflict, type: "proctor-exists", detail: "a proctor with email \(proctor.email) is already registered")
            }
            return ProctorView(proctor, assignments: try Self.assignments(of: id, store: store, now: now))
        }
    }

    static func assignments(of id: UUID, store: SessionStore, now: Date) throws -> [ProctorView.Assignment] {
        try store.assignments(of: id, after: now).map {
            ProctorView.Assignment(sessionId: $0.id.uuidString.lowercased(), name: $0.name, start: $0.start, end: $0.end)
        }
    }

    /// The session's staffing after a change.
    struct Staffing: ResponseEncodable, Codable {
        var sessionId: String
        var proctors: [ProctorView]
        var proctorsRequired: Int
        var proctorsAssigned: Int
        var understaffed: Bool
    }

    @Sendable func assign(_ request: Request, context: ExamHallRequestContext) async throws -> Staffing {
        let principal = try context.require(.admin, .csr)
        let sessionId = try context.uuidParameter(what: "session")
        let proctorId = try context.uuidParameter("proctorId", what: "proctor")
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        return try await environment.database.transaction { connection in
            let store = SessionStore(connection: connection)
            guard let session = try store.lock(sessionId) else { throw NotFound(what: "session \(sessionId.uuidString.lowercased())") }
            guard let proctor = try store.lockProctor(proctorId) else { throw NotFound(what: "proctor \(proctorId.uuidString.lowercased())") }
            try StaffingRules.checkAssignment(of: proctor, to: session)
            if let other = try store.overlappingAssignment(proctorId: proctorId, start: session.start, end: session.end, excluding: sessionId) {
                throw BookingRefusal.proctorOverlap(sessionId: other.id.uuidString.lowercased(), sessionName: other.name)
            }
            if try store.assign(proctorId: proctorId, to: sessionId, at: now) {
                try store.recordHistory(
                    of: sessionId, at: now, by: principal.auditName, change: "proctor-assigned", before: nil,
                    after: try SessionHistory.text(["proctorId": proctorId.uuidString.lowercased(), "proctorName": proctor.name])
                )
                try outbox.publish(
                    ProctorAssigned(sessionId: session.snapshot.sessionId, proctorId: proctorId.uuidString.lowercased(), proctorName: proctor.name, start: session.start, end: session.end),
                    on: connection
                )
            }
            return try Self.staffing(session, store: store)
        }
    }

    @Sendable func unassign(_ request: Request, context: ExamHallRequestContext) async throws -> Staffing {
        let principal = try context.require(.admin, .csr)
        let sessionId = try context.uuidParameter(what: "session")
        let proctorId = try context.uuidParameter("proctorId", what: "proctor")
        let outbox = environment.outbox(correlationId: context.correlationId)
        return try await environment.database.transaction { connection in
            let store = SessionStore(connection: connection)
            guard let session = try store.lock(sessionId) else { throw NotFound(what: "session \(sessionId.uuidString.lowercased())") }
            guard try store.unassign(proctorId: proctorId, from: sessionId) else {
                throw NotFound(what: "assignment of proctor \(proctorId.uuidString.lowercased()) to this session")
            }
            try store.recordHistory(
                of: sessionId, at: environment.clock(), by: principal.auditName, change: "proctor-unassigned",
                before: try SessionHistory.text(["proctorId": proctorId.uuidString.lowercased()]), after: "{}"
            )
            try outbox.publish(ProctorUnassigned(sessionId: session.snapshot.sessionId, proctorId: proctorId.uuidString.lowercased()), on: connection)
            return try Self.staffing(session, store: store)
        }
    }

    static func staffing(_ session: Session, store: SessionStore) throws -> Staffing {
        let occupancy = Occupancy(session, try store.occupancy(of: [session.id])[session.id] ?? .init())
        return Staffing(
            sessionId: session.snapshot.sessionId, proctors: try store.proctors(of: session.id).map { ProctorView($0) },
            proctorsRequired: occupancy.proctorsRequired, proctorsAssigned: occupancy.proctorsAssigned, understaffed: occupancy.understaffed
        )
    }
}
