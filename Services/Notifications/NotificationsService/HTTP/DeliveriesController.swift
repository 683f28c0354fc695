import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /deliveries?candidateId&status&kind&bookingId` and `GET /deliveries/{id}`: every email with
/// where it stands (queued, sent, failed with the server's reason, attempts). Candidates see their own.
struct DeliveriesController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/deliveries", use: list)
        router.get("/deliveries/:id", use: show)
    }

    /// One page, with `total` (those matching the filter) and, for staff, `counts` (every email by status).
    struct DeliveryList: ResponseEncodable, Codable {
        var items: [EmailDelivery]
        var total: Int
        var counts: [String: Int]?
        var limit: Int
        var offset: Int
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> DeliveryList {
        let principal = try context.require(.admin, .csr, .candidate)
        let query = request.uri.queryParameters
        var filter = DeliveryStore.Filter(
            candidateId: query.get("candidateId"),
            status: try QueryValue.choice(query.get("status"), name: "status", as: DeliveryStatus.self),
            kind: try QueryValue.choice(query.get("kind"), name: "kind", as: NotificationKind.self),
            bookingId: query.get("bookingId"),
            limit: try QueryValue.boundedInt(query.get("limit"), name: "limit", default: 100, range: 1...1000),
            offset: try QueryValue.boundedInt(query.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        )
        if principal.role == .candidate {
            if let asked = filter.candidateId, asked != principal.subject {
                throw Problem(.forbidden, type: "forbidden", detail: "candidates may list only their own emails")
            }
            filter.candidateId = principal.subject
        }
        let staff = principal.isStaff
        let (page, counts) = try await environment.database.withConnection { [filter] connection in
            let store = DeliveryStore(connection: connection)
            return (try store.list(filter), staff ? try store.counts() : nil)
        }
        return DeliveryList(items: page.items, total: page.total, counts: counts, limit: filter.limit, offset: filter.offset)
    }

    struct DeliveryDetail: ResponseEncodable, Codable {
        var delivery: EmailDelivery
        /// The email exactly as it was handed to the mail server (RFC 5322).
        var message: String?
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> DeliveryDetail {
        let principal = try context.require(.admin, .csr, .candidate)
        let id = try context.uuidParameter(what: "delivery")
        let found = try await environment.database.withConnection { try DeliveryStore(connection: $0).find(id) }
        guard let (delivery, message) = found, principal.isStaff || delivery.candidateId == principal.subject else {
            throw Problem.notFound("delivery \(id.uuidString.lowercased())")
        }
        return DeliveryDetail(delivery: delivery, message: message)
    }
}
