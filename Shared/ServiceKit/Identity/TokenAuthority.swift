import Foundation
import JWTKit

/// Verifies bearer tokens: asymmetric ones against the published keys (`EXAMHALL_JWKS_URL`) under the
/// pinned `policy`, and, for development and tests, HS256 ones signed with the shared secret.
public struct TokenAuthority: Sendable {
    private let sharedSecret: JWTKeyCollection?
    private let publishedKeys: PublishedKeys?
    private let policy: TokenPolicy
    private let clock: @Sendable () -> Date

    public init(secret: String?, publishedKeys: PublishedKeys? = nil, policy: TokenPolicy = .development, clock: @escaping @Sendable () -> Date = { Date() }) async {
        if let secret {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            sharedSecret = keys
        } else {
            sharedSecret = nil
        }
        self.publishedKeys = publishedKeys
        self.policy = policy
        self.clock = clock
    }

    /// A development token signed with the shared secret (the CLI, tests, benchmarks).
    public func sign(_ principal: Principal, validFor lifetime: TimeInterval = 3600) async throws -> String {
        guard let sharedSecret else { throw TokenRejection.unsupportedAlgorithm("HS256") }
        let now = clock()
        return try await sharedSecret.sign(ExamHallClaims(principal: principal, issuedAt: now, expiresAt: now.addingTimeInterval(lifetime)))
    }

    public func verify(_ token: String) async throws(TokenRejection) -> Principal {
        let header = try TokenHeader(token)
        let claims: TokenClaims
        let rules: TokenPolicy
        switch header.alg {
        case "HS256":
            guard let sharedSecret else { throw .unsupportedAlgorithm("HS256") }
            claims = try await Self.verify(token, with: sharedSecret)
            rules = .development
        case "ES256", "ES384", "ES512", "EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
            guard let publishedKeys, let kid = header.kid else { throw .unknownKey }
            guard let keys = await publishedKeys.keys(for: kid) else { throw .unknownKey }
            claims = try await Self.verify(token, with: keys)
            rules = policy
        default:
            throw .unsupportedAlgorithm(header.alg)
        }
        return try rules.principal(from: claims, now: clock())
    }

    private static func verify(_ token: String, with keys: JWTKeyCollection) async throws(TokenRejection) -> TokenClaims {
        do { return try await keys.verify(token, as: TokenClaims.self) } catch { throw .badSignature }
    }
}

/// The two header fields that choose how a token is checked.
struct TokenHeader: Decodable {
    let alg: String
    let kid: String?

    init(_ token: String) throws(TokenRejection) {
        guard let encoded = token.split(separator: ".", omittingEmptySubsequences: false).first,
              token.utf8.count <= 16_384, let data = Data(base64URL: String(encoded)),
              let header = try? Self.decoder.decode(TokenHeader.self, from: data) else { throw .malformed }
        self = header
    }

    private static let decoder = JSONDecoder()
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
