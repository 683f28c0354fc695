import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET/POST /sessions`, `GET/PATCH /sessions/{id}`, `POST /sessions/{id}/cancel`, `GET /calendar`.
/// CSRs and admins set sessions up; candidates see public sessions (and those they are booked in).
struct SessionsController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/sessions", use: list)
        router.post("/sessions", use: create)
        router.get("/sessions/:id", use: show)
        router.patch("/sessions/:id", use: update)
        router.post("/sessions/:id/cancel", use: cancel)
        router.get("/calendar", use: calendar)
    }

    @Sendable func create(_ request: Request, context: ExamHallRequestContext) async throws -> EditedResponse<SessionView> {
        let principal = try context.require(.admin, .csr)
        let draft = try await request.decode(as: SessionDraft.self, context: context)
        let settings = try SessionRules.settings(of: draft)
        let now = environment.clock()
        try SessionRules.checkNew(draft, now: now)
        let outbox = environment.outbox(correlationId: context.correlationId)
        let session = try await environment.database.transaction { connection -> Session in
            let store = SessionStore(connection: connection)
            let session = try SessionChanges.resolve(draft, settings: settings, id: UUID.timeOrdered(), store: store, current: nil, now: now)
            try store.insert(session)
            try store.recordHistory(of: session.id, at: now, by: principal.auditName, change: "created", before: nil, after: try SessionHistory.settings(of: draft))
            try outbox.publish(SessionScheduled(session: session.snapshot), on: connection)
            return session
        }
        return EditedResponse(status: .created, response: SessionView(session, occupancy: .init(), proctors: []))
    }

    /// The largest page `GET /sessions` answers with.
    static let maximumPage = 1000

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> SessionPage {
        let principal = try context.require(.admin, .csr, .proctor, .candidate)
        let query = request.uri.queryParameters
        let candidate = principal.role == .candidate
        let filter = SessionStore.Filter(
            from: try QueryValue.date(query.get("from"), name: "from"), to: try QueryValue.date(query.get("to"), name: "to"),
            locationId: try QueryValue.uuid(query.get("locationId"), name: "locationId"), examCode: query.get("examCode"),
            proctorId: candidate ? nil : try QueryValue.uuid(query.get("proctorId"), name: "proctorId"),
            // Candidates see what they can book: public, scheduled sessions.
            enrollment: candidate ? .public : try QueryValue.choice(query.get("enrollment"), name: "enrollment", as: EnrollmentKind.self),
            status: candidate ? nil : try QueryValue.choice(query.get("status"), name: "status", as: SessionStatus.self),
            includeCancelled: principal.isStaff,
            order: try QueryValue.choice(query.get("order"), name: "order", as: SessionOrder.self) ?? .soonest,
            limit: try QueryValue.boundedInt(query.get("limit"), name: "limit", default: 200, range: 1...Self.maximumPage),
            offset: try QueryValue.boundedInt(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        )
        let (sessions, total, counts) = try await environment.database.withConnection { connection in
            let store = SessionStore(connection: connection)
            let (sessions, total) = try store.sessions(filter)
            return (sessions, total, try store.occupancy(of: sessions.map(\.id)))
        }
        return SessionPage(items: sessions.map { SessionView($0, occupancy: counts[$0.id]) }, total: total, limit: filter.limit, offset: filter.offset)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> SessionView {
        let principal = try context.require(.admin, .csr, .proctor, .candidate)
        let id = try context.uuidParameter(what: "session")
        let found = try await environment.database.withConnection { connection -> (Session, SessionStore.Occupancy, [Proctor], Bool)? in
            let store = SessionStore(connection: connection)
            guard let session = try store.find(id) else { return nil }
            let booked = principal.role == .candidate
                ? try !BookingStore(connection: connection).bookings(.init(candidateId: principal.subject, sessionId: id, limit: 1)).isEmpty
                : false
            return (session, try store.occupancy(of: [id])[id] ?? .init(), try store.proctors(of: id), booked)
        }
        guard let (session, counts, proctors, booked) = found,
              principal.role != .candidate || session.publicSettings != nil || booked else {
            throw Problem.notFound("session \(id.uuidString.lowercased())")
        }
        return SessionView(session, occupancy: counts, proctors: principal.role == .candidate ? nil : proctors)
    }

    /// A JSON merge patch of the session's settings. Moving a booked session in time tells its
    /// candidates (`session.updated`); raising capacity moves the waitlist up.
    @Sendable func update(_ request: Request, context: ExamHallRequestContext) async throws -> SessionView {
        let principal = try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "session")
        let patch = try await request.body.collect(upTo: 1 << 20)
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let window = environment.configuration.paymentWindow
        let (session, counts, proctors) = try await environment.database.transaction { connection -> (Session, SessionStore.Occupancy, [Proctor]) in
            let workflow = BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window, by: principal.auditName)
            let session = try SessionChanges(workflow: workflow).change(id, patch: Data(buffer: patch))
            return (session, try workflow.sessions.occupancy(of: [id])[id] ?? .init(), try workflow.sessions.proctors(of: id))
        }
        return SessionView(session, occupancy: counts, proctors: proctors)
    }

    struct CancelRequest: Decodable {
        var reason: String?
    }

    @Sendable func cancel(_ request: Request, context: ExamHallRequestContext) async throws -> SessionView {
        let principal = try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "session")
        let body = try await request.decodeIfPresent(as: CancelRequest.self, context: context)
        var v = Validator()
        v.text("reason", body?.reason, maxLength: 1000)
        try v.throwIfInvalidAsProblem()
        let now = environment.clock()
        let outbox = environment.outbox(correlationId: context.correlationId)
        let window = environment.configuration.paymentWindow
        let session = try await environment.database.transaction { connection in
            try BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window, by: principal.auditName)
                .cancelSession(id, reason: body?.reason, actor: principal.role == .admin ? .admin : .csr)
        }
        return SessionView(session)
    }

    /// The session calendar: per session, seats booked and left, waitlist, and proctors required vs
    /// assigned, with times on the location's clock.
    @Sendable func calendar(_ request: Request, context: ExamHallRequestContext) async throws -> CalendarView {
        try context.require(.admin, .csr, .proctor)
        let query = request.uri.queryParameters
        let now = environment.clock()
        let from = try QueryValue.date(query.get("from"), name: "from") ?? now
        let to = try QueryValue.date(query.get("to"), name: "to") ?? from.addingTimeInterval(31 * 86_400)
        guard from < to, to.timeIntervalSince(from) <= 400 * 86_400 else {
            throw Problem(.badRequest, type: "invalid-query", detail: "from must be before to, at most 400 days apart")
        }
        let filter = SessionStore.Filter(
            from: from, to: to, locationId: try QueryValue.uuid(query.get("locationId"), name: "locationId"),
            examCode: query.get("examCode"), includeCancelled: true, limit: 2000
        )
        let entries = try await environment.database.withConnection { connection in
            let store = SessionStore(connection: connection)
            let sessions = try store.sessions(filter).items
            let counts = try store.occupancy(of: sessions.map(\.id))
            return sessions.map { CalendarEntry($0, counts[$0.id] ?? .init()) }
        }
        return CalendarView(from: from, to: to, sessions: entries, understaffed: entries.filter(\.occupancy.understaffed).count)
    }
}
