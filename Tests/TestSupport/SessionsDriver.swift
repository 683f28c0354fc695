import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Drives running `examhall-sessions` processes over HTTP as a CSR and as candidates, for end-to-end tests.
public struct SessionsDriver: Sendable {
    public let replicas: [ServiceProcess]
    private let tokens: TokenAuthority

    public init(_ replicas: [ServiceProcess]) async throws {
        self.replicas = replicas
        let secret = try TestStack.environment(for: "sessions")["EXAMHALL_JWT_SECRET"] ?? ServiceConfiguration.localJWTSecret
        tokens = await TokenAuthority(secret: secret)
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
        /// Response headers, by lowercased name.
        public var headers: [String: String] = [:]
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        public var id: String? { json["id"] as? String }
        public var problem: String? { (json["type"] as? String).map { String($0.split(separator: "/").last ?? "") } }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public func token(_ role: Role, _ subject: String) async throws -> String {
        try await tokens.sign(Principal(
            subject: subject, role: role, name: "Candidate \(subject)", email: "\(subject)@example.org", language: "en", timeZone: "Europe/Paris"
        ), validFor: 3600)
    }

    /// Sends through replica `replica` (round robin by the caller's index).
    public func call(_ method: String, _ path: String, as token: String, json: String? = nil, correlationId: String? = nil, replica: Int = 0) async throws -> Reply {
        let reply = try await replicas[replica % replicas.count].exchange(method, path, token: token, json: json, correlationId: correlationId)
        return Reply(status: reply.status, body: reply.body, headers: reply.headers)
    }

    public func asCSR(_ method: String, _ path: String, json: String? = nil) async throws -> Reply {
        try await call(method, path, as: try await token(.csr, "csr-e2e"), json: json)
    }

    /// A new exam code in the catalog.
    public func exam() async throws -> String {
        let code = "E2E-\(UUID().uuidString.prefix(8))"
        let reply = try await asCSR("POST", "/exams", json: #"{"code":"\#(code)","title":"Exam \#(code)","durationMinutes":60}"#)
        guard reply.status == 201 else { throw TestStack.Failure(description: "creating exam: \(reply.status) \(reply.text)") }
        return code
    }

    public func location() async throws -> String {
        let reply = try await asCSR("POST", "/locations", json: #"{"name":"Lyon","address":"2 place Bellecour","timeZone":"Europe/Paris"}"#)
        guard reply.status == 201, let id = reply.id else { throw TestStack.Failure(description: "creating location: \(reply.status) \(reply.text)") }
        return id
    }

    /// A public session starting in three days, bookable until two days before.
    public func publicSession(exam: String, capacity: Int, authorizationRequired: Bool = false) async throws -> String {
        let start = Date().addingTimeInterval(3 * 86_400)
        let reply = try await asCSR("POST", "/sessions", json: """
            {"locationId":"\(try await location())","name":"Session \(exam)","examCodes":["\(exam)"],"instructions":"Arrive 15 minutes early",
             "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 7200))"},"selfEnrollment":true,
             "bookingDeadline":"\(Timestamp.format(start - 86_400))","cancellationDeadline":"\(Timestamp.format(start - 86_400))",
             "capacity":\(capacity),"authorizationRequired":\(authorizationRequired)}
            """)
        guard reply.status == 201, let id = reply.id else { throw TestStack.Failure(description: "creating session: \(reply.status) \(reply.text)") }
        return id
    }

    public func privateCommonSession(exams: [String]) async throws -> String {
        let start = Date().addingTimeInterval(3 * 86_400)
        let codes = exams.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await asCSR("POST", "/sessions", json: """
            {"locationId":"\(try await location())","name":"Private common","examCodes":[\(codes)],"selfEnrollment":false,"privateKind":"common",
             "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 7200))"}}
            """)
        guard reply.status == 201, let id = reply.id else { throw TestStack.Failure(description: "creating session: \(reply.status) \(reply.text)") }
        return id
    }

    public func book(_ sessionId: String, candidate: String, json: String? = nil, correlationId: String? = nil, replica: Int = 0) async throws -> Reply {
        try await call("POST", "/sessions/\(sessionId)/bookings", as: try await token(.candidate, candidate), json: json, correlationId: correlationId, replica: replica)
    }

    /// Books through replica `firstReplica`; when the request dies with its replica (refused, reset, no
    /// reply), the same request goes to the next replica until one answers, as behind a load balancer.
    public func bookRetrying(_ sessionId: String, candidate: String, correlationId: String? = nil, firstReplica: Int) async throws -> Reply {
        var lastError: (any Error)?
        for attempt in 0..<200 {
            do {
                return try await book(sessionId, candidate: candidate, correlationId: correlationId, replica: firstReplica + attempt)
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw TestStack.Failure(description: "no replica answered \(candidate): \(String(describing: lastError))")
    }
}
