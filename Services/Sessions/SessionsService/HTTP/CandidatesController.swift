import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /candidates?query=`: a CSR finds a candidate by name, email or external id, among those this
/// service knows from purchases and bookings.
struct CandidatesController {
    let environment: ServiceEnvironment

    /// The largest page a list answers with.
    static let maximumPage = 200

    struct CandidateView: ResponseEncodable, Codable {
        var candidateId: String
        var name: String
        var email: String
        var language: String
        var timeZone: String
    }

    struct CandidatePage: ResponseEncodable, Codable {
        var items: [CandidateView]
        var total: Int
        var limit: Int
        var offset: Int
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/candidates", use: search)
    }

    @Sendable func search(_ request: Request, context: ExamHallRequestContext) async throws -> CandidatePage {
        try context.require(.admin, .csr)
        let parameters = request.uri.queryParameters
        guard let query = try QueryValue.search(parameters.get("query")) else {
            throw Problem(.badRequest, type: "invalid-query", detail: "query is required: part of a name, an email or an external id")
        }
        let limit = try QueryValue.boundedInt(parameters.get("limit"), name: "limit", default: 50, range: 1...Self.maximumPage)
        let offset = try QueryValue.boundedInt(parameters.get("offset"), name: "offset", default: 0, range: 0...1_000_000)
        let (found, total) = try await environment.database.withConnection {
            try BookingStore(connection: $0).candidates(matching: query, limit: limit, offset: offset)
        }
        return CandidatePage(
            items: found.map { CandidateView(candidateId: $0.id, name: $0.contact.name, email: $0.contact.email, language: $0.contact.language, timeZone: $0.contact.timeZone) },
            total: total, limit: limit, offset: offset
        )
    }
}
