import ExamHallServiceKit
import Foundation
import Hummingbird

/// `/.well-known/jwks.json` (the public keys services verify tokens with) and OpenID discovery.
struct IdentityRoutes: Sendable {
    let keys: SigningKeys
    let configuration: ConsoleConfiguration

    struct Discovery: Encodable {
        var issuer: String
        var jwks_uri: String
        var id_token_signing_alg_values_supported = ["ES256"]
        var subject_types_supported = ["public"]
        var response_types_supported = ["code"]
        var claims_supported = ["sub", "role", "name", "email", "language", "timeZone", "iss", "aud", "exp", "iat"]
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/.well-known/jwks.json") { _, _ in
            try Self.json(try await keys.published(), maxAge: 60)
        }
        router.get("/.well-known/openid-configuration") { _, _ in
            try Self.json(Discovery(issuer: configuration.issuer, jwks_uri: configuration.publicURL + "/.well-known/jwks.json"), maxAge: 3600)
        }
    }

    private static func json(_ value: some Encodable, maxAge: Int) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "public, max-age=\(maxAge)"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value)))
        )
    }
}
