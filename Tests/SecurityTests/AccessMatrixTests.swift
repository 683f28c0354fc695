import AuthorizationsService
import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NotificationsService
import SessionsService
import Testing
import VerificationService

/// Every documented operation of every service, called as every role, without a token and with every
/// kind of bad token, through the application production builds: each role gets exactly what the
/// operation's `x-roles` in docs/openapi promise, everyone else 401 or 403, and nobody a server error.
@Suite(.serialized) struct AccessMatrixTests {
    static let services = ["authorizations", "sessions", "verification", "notifications"]

    static func application(for service: String) async throws -> (some ApplicationProtocol, ServiceEnvironment) {
        let environment: ServiceEnvironment
        let components: ServiceComponents
        switch service {
        case "authorizations":
            environment = try await ServiceHarness.environment(for: AuthorizationsService.description)
            components = AuthorizationsService.components(environment)
        case "sessions":
            environment = try await ServiceHarness.environment(for: SessionsService.description)
            components = SessionsService.components(environment)
        case "verification":
            environment = try await ServiceHarness.environment(for: VerificationService.description)
            components = VerificationService.components(environment)
        default:
            environment = try await ServiceHarness.environment(for: NotificationsService.description)
            let settings = try NotificationSettings.load(environment.configuration, environment: [:])
            components = NotificationsService.components(environment, settings: settings)
        }
        return (ServiceRunner.makeApplication(environment: environment, components: components, checks: []), environment)
    }

    /// Tokens that must never get past authentication, by what is wrong with them.
    static func forgedTokens(_ environment: ServiceEnvironment) async throws -> [(String, String)] {
        let expired = try await ServiceHarness.token(environment, .admin, subject: "admin-1", validFor: -60)
        let otherSecret = try await TokenAuthority(secret: String(repeating: "k", count: 40)).sign(Principal(subject: "admin-1", role: .admin))
        let unsigned = [#"{"alg":"none","typ":"JWT"}"#, #"{"sub":"admin-1","role":"admin","exp":4102444800}"#]
            .map { Data($0.utf8).base64URL }.joined(separator: ".") + "."
        // A candidate's genuine token with its claims swapped for an admin's, signature kept.
        let candidate = try await ServiceHarness.token(environment, .candidate, subject: "cand-1").split(separator: ".")
        let elevated = [String(candidate[0]), Data(#"{"sub":"cand-1","role":"admin","exp":4102444800}"#.utf8).base64URL, String(candidate[2])]
            .joined(separator: ".")
        return [("expired", expired), ("signed with another secret", otherSecret), ("alg none", unsigned),
                ("claims changed after signing", elevated), ("not a JWT", "garbage")]
    }

    @Test func everyServiceDocumentsItsOperationsWithTheirRoles() throws {
        for service in Self.services {
            let operations = try DocumentedOperation.documented(by: service)
            #expect(operations.count >= 5, "\(service): only \(operations.count) operations read from docs/openapi/\(service).yaml")
            #expect(operations.contains { $0.path == "/health/ready" && $0.roles == nil }, "\(service): /health/ready should be public")
            for operation in operations {
                #expect(operation.roles.map { $0.isSubset(of: Role.allCases.map(\.rawValue)) } ?? true, "\(operation): unknown role in x-roles")
            }
        }
    }

    @Test(arguments: services)
    func everyOperationAdmitsExactlyTheDocumentedRoles(_ service: String) async throws {
        let operations = try DocumentedOperation.documented(by: service)
        let (application, environment) = try await Self.application(for: service)
        var tokens: [Role: String] = [:]
        for role in Role.allCases { tokens[role] = try await ServiceHarness.token(environment, role, subject: "\(role.rawValue)-matrix") }
        let forged = try await Self.forgedTokens(environment)
        let tokensByRole = tokens

        try await application.test(.router) { client in
            for operation in operations {
                func send(_ token: String?) async throws -> (status: Int, problemType: String?, isProblem: Bool) {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    if let token { headers[.authorization] = "Bearer \(token)" }
                    let hasBody = ["post", "put", "patch"].contains(operation.method)
                    let response = try await client.execute(
                        uri: operation.samplePath, method: HTTPRequest.Method(operation.method.uppercased())!, headers: headers,
                        body: hasBody ? ByteBuffer(string: "{}") : nil
                    )
                    let object = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    let type = (object?["type"] as? String)?.split(separator: "/").last.map(String.init)
                    return (response.status.code, type, response.headers[.contentType] == "application/problem+json")
                }

                guard let roles = operation.roles else {
                    let reply = try await send(nil)
                    #expect(reply.status == 200 || (operation.path == "/health/ready" && reply.status == 503), "\(operation) without a token: \(reply.status)")
                    continue
                }

                let anonymous = try await send(nil)
                #expect(anonymous.status == 401 && anonymous.problemType == "authentication-required", "\(operation) without a token: \(anonymous)")
                for (flaw, token) in forged {
                    let reply = try await send(token)
                    #expect(reply.status == 401 && reply.problemType == "invalid-token", "\(operation) with a token \(flaw): \(reply)")
                }
                for role in Role.allCases {
                    let reply = try await send(tokensByRole[role])
                    if roles.contains(role.rawValue) {
                        // Admitted: the handler answers about the (non-existent) entity or the empty body,
                        // never with an authentication error, and never with a router 404 for an undocumented path.
                        #expect(![401, 403].contains(reply.status), "\(operation) as \(role.rawValue), which x-roles admits: \(reply)")
                        #expect(reply.status < 500, "\(operation) as \(role.rawValue): server error \(reply.status)")
                        #expect(reply.status != 404 || reply.isProblem, "\(operation): no such route, yet documented")
                    } else {
                        #expect(reply.status == 403 && reply.problemType == "forbidden", "\(operation) as \(role.rawValue), which x-roles refuses: \(reply)")
                    }
                }
            }
        }
    }
}

extension Data {
    /// Base64url without padding, as JWTs encode their parts.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
