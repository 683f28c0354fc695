import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /authorizations` (search by candidate, purchase or status) and `GET /authorizations/{id}` (one
/// authorization with its history), for CSRs and admins.
struct AuthorizationsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    static let pageSize = 50

    struct ListContent: Sendable {
        var query: String
        var purchaseId: String
        var statuses: [Choice]
        var rows: [Row]
        var hasRows: Bool
        var summary: String
        var previousLink: String?
        var nextLink: String?
    }


    struct Row: Sendable {
        var id: String
        var candidate: String
        var email: String
        var exam: String
        var status: String
        var validity: String
        var purchaseId: String
        var sessionId: String?
    }

    struct DetailContent: Sendable {
        var candidate: String
        var details: [Detail]
        var history: [HistoryRow]
        var sessionId: String?
    }

    struct HistoryRow: Sendable {
        var at: String
        var change: String
        var reason: String
        var actor: String
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/authorizations", use: list)
        router.get("/authorizations/:id", use: show)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let parameters = request.uri.queryParameters
        let query = request.searchField("query")?.trimmingCharacters(in: .whitespaces) ?? ""
        let purchaseId = request.searchField("purchaseId")?.trimmingCharacters(in: .whitespaces) ?? ""
        let status = parameters.get("status").flatMap { ["open", "assigned", "inactive"].contains($0) ? $0 : nil }
        let offset = max(0, parameters.get("offset").flatMap(Int.init) ?? 0)
        let found = try await client.get(
            .authorizations, "/authorizations",
            query: [
                "query": query.count >= 2 ? String(query.prefix(100)) : nil, "purchaseId": purchaseId.isEmpty ? nil : purchaseId, "status": status,
                "limit": String(Self.pageSize), "offset": String(offset),
            ],
            as: APIAuthorizationList.self, for: signedIn.account.principal
        )
        func link(_ offset: Int) -> String {
            var components = URLComponents()
            components.path = "/authorizations"
            components.queryItems = [("query", query), ("purchaseId", purchaseId), ("status", status ?? ""), ("offset", String(offset))]
                .filter { !$0.1.isEmpty }.map { URLQueryItem(name: $0.0, value: $0.1) }
            return components.string!
        }
        let shownTo = offset + found.items.count
        let content = ListContent(
            query: query, purchaseId: purchaseId,
            statuses: [("", "Any status"), ("open", "Open"), ("assigned", "Assigned"), ("inactive", "Inactive")].map {
                Choice(value: $0.0, label: $0.1, selected: $0.0 == (status ?? ""))
            },
            rows: found.items.map(Self.row), hasRows: !found.items.isEmpty,
            summary: found.total == 0 ? "No authorization matches." : "Showing \(offset + 1) to \(shownTo) of \(found.total).",
            previousLink: offset > 0 ? link(max(0, offset - Self.pageSize)) : nil,
            nextLink: shownTo < found.total ? link(offset + Self.pageSize) : nil
        )
        return renderer.render("authorizations", title: "Authorizations", content: content, signedIn: signedIn, section: "/authorizations")
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:))?.uuidString.lowercased() else { throw PageRefusal.notFound("authorization") }
        let authorization: APIAuthorization
        do {
            authorization = try await client.get(.authorizations, "/authorizations/\(id)", as: APIAuthorization.self, for: signedIn.account.principal)
        } catch let problem as ServiceProblem where problem.status == 404 {
            throw PageRefusal.notFound("authorization")
        }
        let row = Self.row(authorization)
        var details = [
            Detail(label: "Candidate", value: "\(row.candidate)\(row.email.isEmpty ? "" : " (\(row.email))"), ID \(authorization.candidateId)"),
            .init(label: "Exam", value: authorization.examCode),
            .init(label: "Status", value: row.status),
            .init(label: "Validity", value: row.validity),
            .init(label: "Purchase", value: authorization.purchaseId),
        ]
        if let reason = authorization.inactivationReason { details.append(.init(label: "Inactive because", value: reason)) }
        let content = DetailContent(
            candidate: row.candidate, details: details,
            history: (authorization.history ?? []).map { change in
                HistoryRow(
                    at: DisplayTime.dateAndTime(change.at, timeZone: "UTC"),
                    change: change.from.map { "\(Self.statusName($0)) → \(Self.statusName(change.to))" } ?? Self.statusName(change.to),
                    reason: change.reason, actor: change.actor
                )
            },
            sessionId: authorization.sessionId
        )
        return renderer.render("authorization", title: "Authorization of \(row.candidate)", content: content, signedIn: signedIn, section: "/authorizations")
    }

    static func row(_ authorization: APIAuthorization) -> Row {
        Row(
            id: authorization.id, candidate: authorization.candidate?.name ?? authorization.candidateId, email: authorization.candidate?.email ?? "",
            exam: authorization.examCode, status: statusName(authorization.status),
            validity: authorization.validUntil.map { "Until " + DisplayTime.dateAndTime($0, timeZone: "UTC") } ?? "No expiry",
            purchaseId: authorization.purchaseId, sessionId: authorization.sessionId
        )
    }

    static func statusName(_ status: String) -> String {
        switch status {
        case "open": "Open"
        case "assigned": "Assigned"
        case "inactive": "Inactive"
        default: status
        }
    }
}
