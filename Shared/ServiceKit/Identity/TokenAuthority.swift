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
        let utf8 = token.utf8
        guard utf8.count <= 16_384, let dot = utf8.firstIndex(of: UInt8(ascii: ".")),
              let data = Base64URL.decode(utf8[utf8.startIndex..<dot]),
              let header = try? Self.decoder.decode(TokenHeader.self, from: data) else { throw .malformed }
        self = header
    }

    private static let decoder = JSONDecoder()
}

/// Unpadded base64url (RFC 4648 §5), decoded byte by byte: Foundation's string replacing goes through
/// NSString, which costs more than the rest of reading a header.
enum Base64URL {
    static func decode(_ text: Substring.UTF8View) -> Data? {
        var output = Data()
        output.reserveCapacity(text.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}
