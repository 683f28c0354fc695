import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SessionsService
import Testing

/// The sessions API as a CSR and candidates use it, through the application production builds.
struct SessionsTestClient {
    let client: any TestClientProtocol
    let environment: ServiceEnvironment

    struct Reply {
        let status: HTTPResponse.Status
        let body: Data

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try EventCoding.decoder.decode(T.self, from: body) }

        /// The last segment of the problem `type`, e.g. `session-full`.
        var problem: String? {
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            return (object?["type"] as? String).map { String($0.split(separator: "/").last ?? "") }
        }

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, as token: String, json: String? = nil) async throws -> Reply {
        let response = try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: json.map { ByteBuffer(string: $0) }
        )
        return Reply(status: response.status, body: Data(buffer: response.body))
    }

    // MARK: - Tokens

    func csr() async throws -> String { try await environment.tokens.sign(Principal(subject: "csr-1", role: .csr)) }

    func candidate(_ id: String) async throws -> String {
        try await environment.tokens.sign(Principal(
            subject: id, role: .candidate, name: "Ada \(id)", email: "\(id)@example.org", language: "fr", timeZone: "Europe/Paris"
        ))
    }

    // MARK: - Set-up as a CSR

    func exam(_ code: String = "EX-\(UUID().uuidString.prefix(6))") async throws -> String {
        let reply = try await call(.post, "/exams", as: try await csr(), json: #"{"code":"\#(code)","title":"Exam \#(code)","durationMinutes":90}"#)
        #expect(reply.status == .created, "\(String(decoding: reply.body, as: UTF8.self))")
        return code
    }

    func location(timeZone: String = "Europe/Paris") async throws -> String {
        let reply = try await call(.post, "/locations", as: try await csr(), json: #"{"name":"Paris Centre","address":"1 rue de Rivoli","timeZone":"\#(timeZone)"}"#)
        #expect(reply.status == .created)
        return try #require(reply.json["id"] as? String)
    }

    /// Starts in three days; candidates may book and cancel until two days before.
    func publicSession(
        exam: String, capacity: Int = 10, authorizationRequired: Bool = false, price: String = "null",
        start: Date = Date().addingTimeInterval(3 * 86_400), location: String? = nil
    ) async throws -> String {
        let locationId = if let location { location } else { try await self.location() }
        let body = """
        {"locationId":"\(locationId)","name":"Morning \(exam)","examCodes":["\(exam)"],"room":"B12","instructions":"Bring your ID",
         "deliveryPreference":"in-person","availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 7200))"},
         "selfEnrollment":true,"bookingDeadline":"\(Timestamp.format(start - 86_400))","cancellationDeadline":"\(Timestamp.format(start - 86_400))",
         "capacity":\(capacity),"authorizationRequired":\(authorizationRequired),"price":\(price)}
        """
        let reply = try await call(.post, "/sessions", as: try await csr(), json: body)
        #expect(reply.status == .created, "\(String(decoding: reply.body, as: UTF8.self))")
        return try #require(reply.json["id"] as? String)
    }

    func privateSession(kind: PrivateKind, exams: [String], price: String = "null", start: Date = Date().addingTimeInterval(3 * 86_400)) async throws -> String {
        let codes = exams.map { "\"\($0)\"" }.joined(separator: ",")
        let body = """
        {"locationId":"\(try await location())","name":"Private","examCodes":[\(codes)],"selfEnrollment":false,"privateKind":"\(kind.rawValue)",
         "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 7200))"},"price":\(price)}
        """
        let reply = try await call(.post, "/sessions", as: try await csr(), json: body)
        #expect(reply.status == .created, "\(String(decoding: reply.body, as: UTF8.self))")
        return try #require(reply.json["id"] as? String)
    }

    // MARK: - Bookings

    func book(_ sessionId: String, candidate: String, json: String? = nil) async throws -> Reply {
        try await call(.post, "/sessions/\(sessionId)/bookings", as: try await self.candidate(candidate), json: json)
    }

    func booking(_ id: String) async throws -> BookingView {
        try await call(.get, "/bookings/\(id)", as: try await csr()).decode(BookingView.self)
    }

    func session(_ id: String) async throws -> SessionView {
        try await call(.get, "/sessions/\(id)", as: try await csr()).decode(SessionView.self)
    }
}

/// Events the sessions service wrote to its outbox.
struct SessionsOutbox {
    let database: PGConnection

    init() throws { database = try TestStack.adminDatabase() }

    /// Bodies of events of `type` whose data mentions `value` anywhere.
    func events(_ type: String, mentioning value: String) throws -> [[String: Any]] {
        try database.query(
            "SELECT body FROM sessions.outbox WHERE routing_key = $1 AND body LIKE $2 ORDER BY id", [type, "%\(value)%"]
        ).map { row in
            let body: String = try row.decode("body")
            return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["data"] as? [String: Any] ?? [:]
        }
    }

    func exchange(of type: String, mentioning value: String) throws -> [String] {
        try database.query("SELECT exchange FROM sessions.outbox WHERE routing_key = $1 AND body LIKE $2", [type, "%\(value)%"])
            .map { try $0.decode("exchange") }
    }
}
