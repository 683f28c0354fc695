import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /sessions/{id}`: the CSR's workbench for one session: its settings, the roster with names,
/// emails, statuses and connected authorizations, the waitlist, and the forms that act on them (add a
/// candidate, assign an Open authorization, staff it with proctors). The actions live in
/// `SessionActionsController` and come back here with a message.
struct SessionPageController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct Content: Sendable {
        var id: String
        var name: String
        var notice: String?
        var error: String?
        var details: [Detail]
        var cancelled: Bool
        var isPrivate: Bool
        var roster: [RosterRow]
        var hasRoster: Bool
        var ended: [RosterRow]
        var hasEnded: Bool
        var exams: [Choice]
        var proctors: [ProctorRow]
        var hasProctors: Bool
        var otherProctors: [Choice]
        var hasOtherProctors: Bool
        var staffing: String
        var understaffed: Bool
        var search: Search
        var history: [HistoryRow]
    }

    /// One change to the session: when, who, what, and each setting from → to.
    struct HistoryRow: Sendable {
        var at: String
        var actor: String
        var change: String
        var details: String
    }


    struct RosterRow: Sendable {
        var bookingId: String
        var candidate: String
        var email: String
        var exam: String
        var status: String
        var authorizationId: String?
        var active: Bool
        var movable: Bool
    }

    struct ProctorRow: Sendable {
        var id: String
        var name: String
    }

    /// Looking up a candidate's Open authorizations to assign one to this session.
    struct Search: Sendable {
        var query: String
        var searched: Bool
        var results: [SearchResult]
        var none: Bool
    }

    struct SearchResult: Sendable {
        var authorizationId: String
        var candidateId: String
        var candidate: String
        var email: String
        var exam: String
        var validity: String
        var eligible: Bool
        var why: String?
    }

    /// What an action adds to the page it renders again.
    struct Outcome: Sendable {
        var notice: String?
        var error: String?
        var status: HTTPResponse.Status = .ok
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/sessions/:id", use: show)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let id = try Self.sessionId(context)
        let query = request.uri.queryParameters
        let notice = query.get("done").flatMap(Self.notices.index(forKey:)).map { Self.notices[$0].value }
        return try await render(id, signedIn: signedIn, outcome: Outcome(notice: notice), query: request.searchField("query"))
    }

    static let notices = [
        "created": "Session created.",
        "changed": "Changes saved. Booked candidates are told by email when the time or place changed.",
        "added": "Candidate added.",
        "assigned": "Authorization assigned: the candidate is booked into this session.",
        "proctor-assigned": "Proctor assigned.",
        "proctor-removed": "Proctor removed from the session.",
        "transferred": "Booking transferred into this session.",
        "booking-cancelled": "Booking cancelled.",
        "cancelled": "Session cancelled. Its candidates are being told by email.",
    ]

    /// "name: Morning → Renamed; capacity: 10 → 12", newest line first on the page.
    static func historyRow(_ line: APIHistory.Line, timeZone: String) -> HistoryRow {
        let keys = Set(line.before?.keys.map { $0 } ?? []).union(line.after.keys).sorted()
        let details = keys.map { key in
            let before = line.before?[key]?.text, after = line.after[key]?.text
            return switch (before, after) {
            case let (was?, now?): "\(key): \(was) → \(now)"
            case let (nil, now?): "\(key): \(now)"
            case let (was?, nil): "\(key): \(was) (removed)"
            case (nil, nil): key
            }
        }
        return HistoryRow(
            at: DisplayTime.dateAndTime(line.at, timeZone: timeZone), actor: line.actor, change: line.change.replacingOccurrences(of: "-", with: " ").capitalized,
            details: line.change == "created" ? "" : details.joined(separator: "; ")
        )
    }

    static func sessionId(_ context: ExamHallRequestContext) throws -> String {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw PageRefusal.notFound("session") }
        return id.uuidString.lowercased()
    }

    func render(_ id: String, signedIn: SignedIn, outcome: Outcome, query: String?) async throws -> Response {
        let principal = signedIn.account.principal
        let session: APISessionDetail
        do {
            session = try await client.get(.sessions, "/sessions/\(id)", as: APISessionDetail.self, for: principal)
        } catch let problem as ServiceProblem where problem.status == 404 {
            throw PageRefusal.notFound("session")
        }
        async let bookings = client.get(.sessions, "/bookings", query: ["sessionId": id, "limit": "1000"], as: APIList<APIBooking>.self, for: principal)
        async let registry = client.every(.sessions, "/proctors", as: APIProctor.self, for: principal)
        async let history = client.get(.sessions, "/sessions/\(id)/history", as: APIHistory.self, for: principal)
        let search = try await self.search(query, session: session, principal: principal)
        let rows = try await bookings.items.map(Self.row)
        let assigned = (session.proctors ?? []).map { ProctorRow(id: $0.id, name: $0.name) }
        let assignedIds = Set(assigned.map(\.id))
        let others = try await registry.filter { $0.isActive && !assignedIds.contains($0.id) }.map { Choice(value: $0.id, label: "\($0.name) (\($0.email))") }
        let occupancy = session.occupancy
        let content = Content(
            id: id, name: session.name, notice: outcome.notice, error: outcome.error, details: Self.details(session),
            cancelled: session.status == "cancelled", isPrivate: !session.selfEnrollment,
            roster: rows.filter(\.active), hasRoster: rows.contains(where: \.active),
            ended: rows.filter { !$0.active }, hasEnded: rows.contains { !$0.active },
            exams: session.examCodes.map { Choice(value: $0, label: $0) },
            proctors: assigned, hasProctors: !assigned.isEmpty, otherProctors: others, hasOtherProctors: !others.isEmpty,
            staffing: occupancy.map { "\($0.proctorsAssigned) of \($0.proctorsRequired) proctors required" } ?? "",
            understaffed: occupancy?.understaffed ?? false, search: search,
            history: try await history.items.reversed().map { Self.historyRow($0, timeZone: session.availability.timeZone) }
        )
        return renderer.render(
            "session", title: outcome.error == nil ? session.name : "Error: \(session.name)", content: content, signedIn: signedIn,
            section: "/calendar", status: outcome.status
        )
    }

    /// Open authorizations matching the CSR's search, each checked against what this session offers.
    private func search(_ query: String?, session: APISessionDetail, principal: Principal) async throws -> Search {
        guard let query = query?.trimmingCharacters(in: .whitespaces), query.count >= 2 else {
            return Search(query: query ?? "", searched: false, results: [], none: false)
        }
        let found = try await client.get(
            .authorizations, "/authorizations", query: ["query": String(query.prefix(100)), "status": "open", "limit": "50"],
            as: APIAuthorizationList.self, for: principal
        )
        let results = found.items.map { authorization in
            let offered = session.examCodes.contains(authorization.examCode)
            let lasts = authorization.validUntil.map { $0 >= session.availability.end } ?? true
            let why: String? = !offered
                ? "This session does not offer \(authorization.examCode)."
                : (!lasts ? "It expires before the session ends." : nil)
            return SearchResult(
                authorizationId: authorization.id, candidateId: authorization.candidateId, candidate: authorization.candidate?.name ?? authorization.candidateId,
                email: authorization.candidate?.email ?? "", exam: authorization.examCode,
                validity: authorization.validUntil.map { "Valid until " + DisplayTime.dateAndTime($0, timeZone: session.availability.timeZone) } ?? "No expiry",
                eligible: why == nil, why: why
            )
        }
        return Search(query: query, searched: true, results: results, none: results.isEmpty)
    }

    static func row(_ booking: APIBooking) -> RosterRow {
        let active = ["confirmed", "awaiting-payment", "waitlisted"].contains(booking.status)
        return RosterRow(
            bookingId: booking.id, candidate: booking.candidate?.name ?? booking.candidateId, email: booking.candidate?.email ?? "",
            exam: booking.examCode, status: statusText(booking), authorizationId: booking.authorizationId, active: active,
            movable: booking.status == "confirmed"
        )
    }

    static func statusText(_ booking: APIBooking) -> String {
        switch booking.status {
        case "confirmed": "Confirmed"
        case "awaiting-payment": "Seat held for payment"
        case "waitlisted": booking.waitlistPosition.map { "Waitlisted, number \($0)" } ?? "Waitlisted"
        case "cancelled": "Cancelled"
        case "expired": "Expired (not paid)"
        case "rejected": "Refused"
        case "completed": "Completed"
        case "no-show": "Did not attend"
        default: booking.status.capitalized
        }
    }

    static func details(_ session: APISessionDetail) -> [Detail] {
        let zone = session.availability.timeZone
        var details = [
            Detail(label: "When", value: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: zone)),
            Detail(label: "Where", value: "\(session.location.name), \(session.location.address)\(session.room.map { ", room \($0)" } ?? "")"),
            Detail(label: "Exams", value: session.examCodes.joined(separator: ", ")),
            Detail(label: "Kind", value: session.selfEnrollment ? "Public" : "Private, \(session.privateKind ?? "individual")"),
            Detail(label: "Delivery", value: session.deliveryPreference),
            Detail(label: "Status", value: session.status.capitalized),
        ]
        if let occupancy = session.occupancy {
            if let capacity = occupancy.capacity {
                details.append(Detail(label: "Seats", value: "\(occupancy.seatsBooked) of \(capacity) booked, \(occupancy.seatsLeft ?? 0) left"))
            } else {
                details.append(Detail(label: "Candidates", value: "\(occupancy.seatsBooked)"))
            }
            details.append(Detail(label: "Waitlist", value: "\(occupancy.waitlistLength)"))
        }
        if let deadline = session.bookingDeadline { details.append(Detail(label: "Booking deadline", value: DisplayTime.dateAndTime(deadline, timeZone: zone))) }
        if let deadline = session.cancellationDeadline { details.append(Detail(label: "Cancellation deadline", value: DisplayTime.dateAndTime(deadline, timeZone: zone))) }
        if let required = session.authorizationRequired { details.append(Detail(label: "Authorization required", value: required ? "Yes" : "No")) }
        details.append(Detail(label: "Candidates per proctor", value: "\(session.candidatesPerProctor)"))
        return details
    }
}
