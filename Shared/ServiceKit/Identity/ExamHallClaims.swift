import Foundation
import JWTKit

/// The claims ExamHall puts in the tokens it signs (the console, and the CLI in development).
/// Tokens are read back through `TokenPolicy`, which also accepts other identity providers' claims.
public struct ExamHallClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim?
    public var aud: AudienceClaim?
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var role: Role
    public var name: String?
    public var email: String?
    public var language: String?
    public var timeZone: String?

    public init(principal: Principal, issuedAt: Date, expiresAt: Date, issuer: String? = nil, audience: String? = nil) {
        iss = issuer.map { IssuerClaim(value: $0) }
        aud = audience.map { AudienceClaim(value: [$0]) }
        sub = SubjectClaim(value: principal.subject)
        exp = ExpirationClaim(value: expiresAt)
        iat = IssuedAtClaim(value: issuedAt)
        role = principal.role
        name = principal.name
        email = principal.email
        language = principal.language
        timeZone = principal.timeZone
    }

    /// Checked by `TokenPolicy` when read back; signing needs no check.
    public func verify(using _: some JWTAlgorithm) async throws {}
}
