import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /bookings/{id}/history` and `GET /sessions/{id}/history` (CSR, admin): every change, oldest
/// first, with who made it, when, and the values before and after.
struct HistoryController {
    let environment: ServiceEnvironment

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/bookings/:id/history", use: booking)
        router.get("/sessions/:id/history", use: session)
    }

    @Sendable func booking(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "booking")
        let lines = try await environment.database.withConnection { try BookingStore(connection: $0).history(of: id) }
        guard let lines else { throw Problem.notFound("booking \(id.uuidString.lowercased())") }
        return try Self.response(lines)
    }

    @Sendable func session(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        try context.require(.admin, .csr)
        let id = try context.uuidParameter(what: "session")
        let lines = try await environment.database.withConnection { connection -> [HistoryLine]? in
            let store = SessionStore(connection: connection)
            guard try store.find(id) != nil else { return nil }
            return try store.history(of: id)
        }
        guard let lines else { throw Problem.notFound("session \(id.uuidString.lowercased())") }
        return try Self.response(lines)
    }

    /// `{"items": [{"at", "actor", "change", "before", "after"}]}`; before and after are the JSON objects
    /// as stored.
    static func response(_ lines: [HistoryLine]) throws -> Response {
        func text(_ value: some Encodable) throws -> String { String(decoding: try EventCoding.encoder.encode(value), as: UTF8.self) }
        let items = try lines.map { line in
            "{\"at\":\(try text(line.at)),\"actor\":\(try text(line.actor)),\"change\":\(try text(line.change)),\"before\":\(line.before ?? "null"),\"after\":\(line.after)}"
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{\"items\":[\(items.joined(separator: ","))]}")))
    }
}
