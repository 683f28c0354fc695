import ExamHallServiceKit
import Foundation
import Testing

/// What a token's claims must say before a service believes them, and how other identity providers'
/// claims (Keycloak, Entra ID, Okta) become an ExamHall principal.
@Suite struct TokenPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = TokenPolicy(issuer: "https://console.example", audience: "examhall", maxLifetime: 900)

    func claims(_ extra: [String: ClaimValue] = [:], removing: [String] = []) -> TokenClaims {
        var values: [String: ClaimValue] = [
            "iss": .string("https://console.example"), "aud": .string("examhall"), "sub": .string("csr-1"), "role": .string("csr"),
            "iat": .number(now.timeIntervalSince1970 - 60), "exp": .number(now.timeIntervalSince1970 + 240),
        ]
        values.merge(extra) { $1 }
        for key in removing { values[key] = nil }
        return TokenClaims(values)
    }

    @Test func aGoodTokenBecomesItsPrincipal() throws {
        let principal = try policy.principal(from: claims(["name": .string("Cora"), "email": .string("cora@example.org")]), now: now)
        #expect(principal == Principal(subject: "csr-1", role: .csr, name: "Cora", email: "cora@example.org"))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var what: String
        var extra: [String: ClaimValue] = [:]
        var removing: [String] = []
        var reason: TokenRejection
        var testDescription: String { what }
    }

    static let t: Double = 1_800_000_000
    static let cases: [Case] = [
        Case(what: "expired", extra: ["exp": .number(t - 31)], reason: .expired),
        Case(what: "another issuer", extra: ["iss": .string("https://attacker.example")], reason: .wrongIssuer),
        Case(what: "no issuer", removing: ["iss"], reason: .wrongIssuer),
        Case(what: "another audience", extra: ["aud": .string("billing")], reason: .wrongAudience),
        Case(what: "an audience list without ours", extra: ["aud": .array([.string("billing"), .string("crm")])], reason: .wrongAudience),
        Case(what: "no expiry", removing: ["exp"], reason: .missingClaim("exp")),
        Case(what: "no issued-at", removing: ["iat"], reason: .missingClaim("iat")),
        Case(what: "issued in the future", extra: ["iat": .number(t + 120), "exp": .number(t + 600)], reason: .notYetValid),
        Case(what: "not valid yet", extra: ["nbf": .number(t + 120)], reason: .notYetValid),
        Case(what: "too long a lifetime", extra: ["iat": .number(t), "exp": .number(t + 901)], reason: .lifetimeTooLong),
        Case(what: "no subject", removing: ["sub"], reason: .missingClaim("sub")),
        Case(what: "an empty subject", extra: ["sub": .string("")], reason: .missingClaim("sub")),
        Case(what: "no role", removing: ["role"], reason: .noExamHallRole),
        Case(what: "a role ExamHall does not know", extra: ["role": .string("superuser")], reason: .noExamHallRole),
    ]

    @Test(arguments: cases)
    func refused(_ refusal: Case) {
        #expect(throws: refusal.reason, "a token with \(refusal.what)") {
            try policy.principal(from: claims(refusal.extra, removing: refusal.removing), now: now)
        }
    }

    @Test func clocksMayDifferByTheLeeway() throws {
        #expect(throws: Never.self) { try policy.principal(from: claims(["exp": .number(now.timeIntervalSince1970 - 29)]), now: now) }
    }

    @Test func anAudienceListContainingOursIsAccepted() throws {
        #expect(throws: Never.self) { try policy.principal(from: claims(["aud": .array([.string("account"), .string("examhall")])]), now: now) }
    }

    @Test func keycloakRolesAreReadFromANestedListAndTheMostPrivilegedCounts() throws {
        var keycloak = policy
        keycloak.roleClaim = "realm_access.roles"
        let token = claims(["realm_access": .object(["roles": .array([.string("offline_access"), .string("proctor"), .string("csr")])])], removing: ["role"])
        #expect(try keycloak.principal(from: token, now: now).role == .csr)
    }

    @Test func openIDStandardClaimsStandInForLanguageAndTimeZone() throws {
        let principal = try policy.principal(from: claims(["locale": .string("fr"), "zoneinfo": .string("Europe/Paris")]), now: now)
        #expect(principal.language == "fr")
        #expect(principal.timeZone == "Europe/Paris")
    }

    @Test func developmentTokensPinNothingButExpiry() throws {
        let token = claims(removing: ["iss", "aud", "iat"])
        #expect(try TokenPolicy.development.principal(from: token, now: now).subject == "csr-1")
        #expect(throws: TokenRejection.expired) {
            try TokenPolicy.development.principal(from: claims(["exp": .number(now.timeIntervalSince1970 - 60)]), now: now)
        }
    }
}
