import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /calendar`: the CSR's week or day of sessions, filtered by location and exam, with each
/// session's fill and staffing; understaffed sessions say so in words, not by colour alone.
struct CalendarController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient
    let clock: @Sendable () -> Date

    struct Content: Sendable {
        var scope: String
        var isWeek: Bool
        var heading: String
        var previousLink: String
        var nextLink: String
        var otherScopeLink: String
        var otherScopeLabel: String
        var locations: [Choice]
        var exams: [Choice]
        var days: [Day]
        /// "2 understaffed", said only when some are.
        var understaffed: String?
        var sessionCount: String
    }


    struct Day: Sendable {
        var heading: String
        var sessions: [Entry]
        var isEmpty: Bool
    }

    struct Entry: Sendable {
        var id: String
        var name: String
        var time: String
        var location: String
        var exams: String
        var kind: String
        var seats: String
        /// Said only when someone waits.
        var waitlist: String?
        var staffing: String
        var understaffed: Bool
        var nearlyFull: Bool
        var cancelled: Bool
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/calendar", use: show)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let principal = signedIn.account.principal
        let query = request.uri.queryParameters
        let scope = query.get("scope").flatMap(CalendarRange.Scope.init(rawValue:)) ?? .week
        let locationId = query.get("locationId").flatMap { UUID(uuidString: $0) }?.uuidString.lowercased()
        let examCode = query.get("examCode").flatMap { $0.isEmpty || $0.count > 40 ? nil : $0 }
        let range = CalendarRange(scope: scope, anchor: query.get("day"), today: DisplayTime.dayKey(clock(), timeZone: .gmt))
        let (from, to) = range.query
        async let calendar = client.get(
            .sessions, "/calendar",
            query: ["from": Self.iso(from), "to": Self.iso(to), "locationId": locationId, "examCode": examCode],
            as: APICalendar.self, for: principal
        )
        async let locations = client.every(.sessions, "/locations", as: APILocation.self, for: principal)
        async let exams = client.every(.sessions, "/exams", as: APIExam.self, for: principal)
        let entries = try await calendar.sessions
        var byDay: [String: [APICalendar.Entry]] = [:]
        for entry in entries {
            let zone = TimeZone(identifier: entry.time.timeZone) ?? .gmt
            byDay[DisplayTime.dayKey(entry.time.start, timeZone: zone), default: []].append(entry)
        }
        let days = range.days.map { key in
            let sessions = (byDay[key] ?? []).sorted { $0.time.start < $1.time.start }.map(Self.entry)
            return Day(heading: DisplayTime.day(CalendarRange.date(of: key)!, timeZone: .gmt), sessions: sessions, isEmpty: sessions.isEmpty)
        }
        let shown = days.flatMap(\.sessions)
        func link(day: String, scope: CalendarRange.Scope) -> String {
            var items = [URLQueryItem(name: "scope", value: scope.rawValue), URLQueryItem(name: "day", value: day)]
            if let locationId { items.append(URLQueryItem(name: "locationId", value: locationId)) }
            if let examCode { items.append(URLQueryItem(name: "examCode", value: examCode)) }
            var components = URLComponents()
            components.path = "/calendar"
            components.queryItems = items
            return components.string!
        }
        let first = CalendarRange.date(of: range.days.first!)!
        let heading = scope == .week ? "Week of \(DisplayTime.day(first, timeZone: .gmt))" : DisplayTime.day(first, timeZone: .gmt)
        let content = Content(
            scope: scope.rawValue, isWeek: scope == .week, heading: heading,
            previousLink: link(day: range.previous, scope: scope), nextLink: link(day: range.next, scope: scope),
            otherScopeLink: link(day: range.days.first!, scope: scope == .week ? .day : .week),
            otherScopeLabel: scope == .week ? "Day view" : "Week view",
            locations: try await locations.map { Choice(value: $0.id, label: $0.name, selected: $0.id == locationId) },
            exams: try await exams.map { Choice(value: $0.code, label: "\($0.code) – \($0.title)", selected: $0.code == examCode) },
            days: days, understaffed: shown.contains(where: \.understaffed) ? "\(shown.filter(\.understaffed).count) understaffed" : nil,
            sessionCount: shown.count == 1 ? "1 session" : "\(shown.count) sessions"
        )
        return renderer.render("calendar", title: "Calendar", content: content, signedIn: signedIn, section: "/calendar")
    }

    static func entry(_ session: APICalendar.Entry) -> Entry {
        let occupancy = session.occupancy
        let kind = session.selfEnrollment ? "Public" : "Private, \(session.privateKind ?? "individual")"
        let seats: String
        if let capacity = occupancy.capacity {
            let held = occupancy.seatsHeldForPayment > 0 ? ", \(occupancy.seatsHeldForPayment) held for payment" : ""
            seats = "\(occupancy.seatsBooked) of \(capacity) booked\(held), \(occupancy.seatsLeft ?? 0) left"
        } else {
            seats = "\(occupancy.seatsBooked) assigned"
        }
        let nearlyFull = occupancy.capacity.map { $0 > 0 && (occupancy.seatsLeft ?? 0) * 10 <= $0 } ?? false
        return Entry(
            id: session.sessionId, name: session.name,
            time: DisplayTime.timeRange(session.time.start, session.time.end, timeZone: session.time.timeZone),
            location: session.locationName, exams: session.examCodes.joined(separator: ", "), kind: kind, seats: seats,
            waitlist: occupancy.waitlistLength > 0 ? "waitlist \(occupancy.waitlistLength)" : nil,
            staffing: "\(occupancy.proctorsAssigned) of \(occupancy.proctorsRequired) proctors",
            understaffed: occupancy.understaffed, nearlyFull: nearlyFull && session.status != "cancelled",
            cancelled: session.status == "cancelled"
        )
    }

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
