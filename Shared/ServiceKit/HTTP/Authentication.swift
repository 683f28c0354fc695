import Foundation
import Hummingbird
import JWTKit

/// The roles a token may carry: admin, csr, proctor and candidate.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, csr, proctor, candidate
}

/// A verified caller. For candidates `subject` is their external id; for proctors, their registry id.
public struct Principal: Sendable, Equatable {
    public var subject: String
    public var role: Role
    public var name: String?
    public var email: String?
    public var language: String?
    public var timeZone: String?

    public init(subject: String, role: Role, name: String? = nil, email: String? = nil, language: String? = nil, timeZone: String? = nil) {
        self.subject = subject
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.timeZone = timeZone
    }

    public var isStaff: Bool { role == .admin || role == .csr }
}

/// The claims of an ExamHall token.
public struct ExamHallClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim?
    public var role: Role
    public var name: String?
    public var email: String?
    public var language: String?
    public var timeZone: String?

    public init(principal: Principal, expiresAt: Date, issuedAt: Date = .now) {
        sub = SubjectClaim(value: principal.subject)
        exp = ExpirationClaim(value: expiresAt)
        iat = IssuedAtClaim(value: issuedAt)
        role = principal.role
        name = principal.name
        email = principal.email
        language = principal.language
        timeZone = principal.timeZone
    }

    public func verify(using _: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard !sub.value.isEmpty else { throw JWTError.claimVerificationFailure(failedClaim: sub, reason: "empty subject") }
    }

    var principal: Principal {
        Principal(subject: sub.value, role: role, name: name, email: email, language: language, timeZone: timeZone)
    }
}

/// Signs and verifies HS256 tokens with the shared secret (`EXAMHALL_JWT_SECRET`).
public struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection

    public init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    public func sign(_ principal: Principal, validFor lifetime: TimeInterval = 3600) async throws -> String {
        try await keys.sign(ExamHallClaims(principal: principal, expiresAt: Date.now.addingTimeInterval(lifetime)))
    }

    public func verify(_ token: String) async throws -> Principal {
        try await keys.verify(token, as: ExamHallClaims.self).principal
    }
}

/// Reads `Authorization: Bearer …`; a bad token is a 401 even on routes that would not need one.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ExamHallRequestContext
    let authority: TokenAuthority

    public init(authority: TokenAuthority) { self.authority = authority }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.prefix(7).lowercased() == "bearer " else {
            throw Problem(.unauthorized, type: "invalid-token", detail: "the Authorization header must be 'Bearer <token>'")
        }
        var context = context
        do {
            // Spaces and tabs around the token are dropped on the Substring: Foundation's trimming goes
            // through NSString, which a profile showed on every request.
            var token = header.dropFirst(7)
            while token.first == " " || token.first == "\t" { token = token.dropFirst() }
            while token.last == " " || token.last == "\t" { token = token.dropLast() }
            context.principal = try await authority.verify(String(token))
        } catch {
            throw Problem(.unauthorized, type: "invalid-token", detail: "the bearer token is invalid or expired")
        }
        context.logger[metadataKey: "principal"] = .string("\(context.principal!.role.rawValue):\(context.principal!.subject)")
        return try await next(request, context)
    }
}
