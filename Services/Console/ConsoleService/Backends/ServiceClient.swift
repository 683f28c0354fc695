import AsyncHTTPClient
import ExamHallModels
import ExamHallServiceKit
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The four services the console acts through.
enum Backend: String, Sendable {
    case sessions, authorizations, verification, notifications
}

/// A service refused what the person asked: its problem details, field by field where it said so.
struct ServiceProblem: Error, Sendable {
    var status: Int
    /// The problem type's last path segment, e.g. `session-full`.
    var type: String
    var detail: String
    var fieldErrors: [String: String]
}

/// A service did not answer (down, or timed out).
struct BackendUnavailable: Error, CustomStringConvertible {
    var backend: Backend
    var description: String { "the \(backend.rawValue) service is not answering" }
}

/// Calls the services' documented HTTP APIs on behalf of a signed-in person, with a short-lived token
/// signed for them. The console never reads the services' databases.
struct ServiceClient: Sendable {
    let urls: ConsoleConfiguration.ServiceURLs
    let keys: SigningKeys
    let logger: Logger

    func get<T: Decodable>(_ backend: Backend, _ path: String, query: [String: String?] = [:], as _: T.Type = T.self, for principal: Principal) async throws -> T {
        try await send(.GET, backend, path, query: query, body: Optional<Empty>.none, for: principal)
    }

    func post<T: Decodable>(_ backend: Backend, _ path: String, body: some Encodable & Sendable, as _: T.Type = T.self, for principal: Principal) async throws -> T {
        try await send(.POST, backend, path, body: body, for: principal)
    }

    /// A change whose answer the page does not need (PUT, DELETE, or a POST it only needs to succeed).
    func perform(_ method: HTTPMethod, _ backend: Backend, _ path: String, body: (some Encodable & Sendable)? = Optional<Empty>.none, for principal: Principal) async throws {
        let _: Empty = try await send(method, backend, path, body: body, for: principal)
    }

    func send<T: Decodable>(
        _ method: HTTPMethod, _ backend: Backend, _ path: String, query: [String: String?] = [:], body: (some Encodable & Sendable)?,
        for principal: Principal
    ) async throws -> T {
        var components = URLComponents(string: baseURL(backend) + path)!
        let items = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }.sorted { $0.name < $1.name }
        if !items.isEmpty { components.queryItems = items }
        var request = HTTPClientRequest(url: components.string!)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(try await keys.sign(principal))")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try EventCoding.encoder.encode(body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            logger.warning("a service did not answer", metadata: ["service": "\(backend.rawValue)", "error": "\(error)"])
            throw BackendUnavailable(backend: backend)
        }
        guard (200..<300).contains(response.status.code) else {
            throw Self.problem(status: Int(response.status.code), body: Data(buffer: bytes))
        }
        if T.self == Empty.self { return Empty() as! T }
        return try EventCoding.decoder.decode(T.self, from: Data(buffer: bytes))
    }

    private func baseURL(_ backend: Backend) -> String {
        switch backend {
        case .sessions: urls.sessions
        case .authorizations: urls.authorizations
        case .verification: urls.verification
        case .notifications: urls.notifications
        }
    }

    private static func problem(status: Int, body: Data) -> ServiceProblem {
        struct Body: Decodable {
            struct FieldError: Decodable { var field: String; var message: String; var line: Int?; var column: Int? }
            var type: String?
            var detail: String?
            var errors: [FieldError]?
        }
        let decoded = try? JSONDecoder().decode(Body.self, from: body)
        var fields: [String: String] = [:]
        for error in decoded?.errors ?? [] where fields[error.field] == nil {
            // Template errors say where: "line 3, column 7: …".
            let place = error.line.map { line in "line \(line)\(error.column.map { ", column \($0)" } ?? ""): " } ?? ""
            fields[error.field] = place + error.message
        }
        return ServiceProblem(
            status: status, type: decoded?.type.map { String($0.split(separator: "/").last ?? "") } ?? "http-\(status)",
            detail: decoded?.detail ?? "the service answered \(status)", fieldErrors: fields
        )
    }
}

/// No body, or a body the console does not read.
struct Empty: Codable, Sendable {}
