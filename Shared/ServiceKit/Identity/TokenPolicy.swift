import Foundation

/// Why a token was refused. Callers only ever see a 401; the reason goes to the log.
public enum TokenRejection: Error, Equatable, Sendable {
    case malformed
    case unsupportedAlgorithm(String)
    case unknownKey
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    case lifetimeTooLong
    case missingClaim(String)
    case noExamHallRole
}

/// What a token's claims must say to be believed, and how they become a `Principal`: pure, with the
/// time passed in. Tokens from the console and from an external OpenID Connect provider go through the
/// same rules; only the role claim's place and the pinned issuer and audience differ.
public struct TokenPolicy: Sendable, Equatable {
    /// Pinned `iss`; nil only for development tokens signed with the shared secret.
    public var issuer: String?
    /// Pinned `aud` (a string, or one entry of an array); nil only for development tokens.
    public var audience: String?
    /// Dotted path of the role claim: `role` for ExamHall's own tokens, e.g. `realm_access.roles`
    /// for Keycloak or `roles` for Entra ID. Its value is one role or a list of them.
    public var roleClaim: String
    /// Longest `exp - iat` accepted, so a leaked long-lived token is useless; nil: not checked.
    public var maxLifetime: TimeInterval?
    /// Clock difference tolerated between the signer and us.
    public var leeway: TimeInterval

    public init(issuer: String?, audience: String?, roleClaim: String = "role", maxLifetime: TimeInterval?, leeway: TimeInterval = 30) {
        self.issuer = issuer
        self.audience = audience
        self.roleClaim = roleClaim
        self.maxLifetime = maxLifetime
        self.leeway = leeway
    }

    /// Tokens signed with the development secret: expiry and subject are checked, nothing is pinned.
    public static let development = TokenPolicy(issuer: nil, audience: nil, maxLifetime: nil)

    public func principal(from claims: TokenClaims, now: Date) throws(TokenRejection) -> Principal {
        let time = now.timeIntervalSince1970
        guard let expiry = claims[path: "exp"]?.number else { throw .missingClaim("exp") }
        guard time <= expiry + leeway else { throw .expired }
        if let notBefore = claims[path: "nbf"]?.number, time + leeway < notBefore { throw .notYetValid }
        if let issuer, claims[path: "iss"]?.string != issuer { throw .wrongIssuer }
        if let audience, !Self.audiences(claims[path: "aud"]).contains(audience) { throw .wrongAudience }
        if let maxLifetime {
            guard let issuedAt = claims[path: "iat"]?.number else { throw .missingClaim("iat") }
            guard time + leeway >= issuedAt else { throw .notYetValid }
            guard expiry - issuedAt <= maxLifetime else { throw .lifetimeTooLong }
        }
        guard let subject = claims[path: "sub"]?.string, !subject.isEmpty else { throw .missingClaim("sub") }
        guard let role = Self.role(in: claims[path: roleClaim]) else { throw .noExamHallRole }
        return Principal(
            subject: subject, role: role,
            name: claims[path: "name"]?.string,
            email: claims[path: "email"]?.string,
            // OpenID Connect's standard claims stand in for ExamHall's own names.
            language: claims[path: "language"]?.string ?? claims[path: "locale"]?.string,
            timeZone: claims[path: "timeZone"]?.string ?? claims[path: "zoneinfo"]?.string
        )
    }

    private static func audiences(_ value: ClaimValue?) -> [String] {
        switch value {
        case .string(let audience): [audience]
        case .array(let values): values.compactMap(\.string)
        default: []
        }
    }

    private static func role(in value: ClaimValue?) -> Role? {
        let names: [String] = switch value {
        case .string(let name): [name]
        case .array(let values): values.compactMap(\.string)
        default: []
        }
        let roles = Set(names.compactMap(Role.init(rawValue:)))
        return Role.byPrivilege.first(where: roles.contains)
    }
}
