import ArgumentParser
import ExamHallServiceKit
import Foundation
import JWTKit

/// How long verifying one bearer token takes, beside the raw baseline: jwt-kit checking the same
/// HS256 signature and decoding a fixed claims struct, with no policy.
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify bearer tokens in a loop: ExamHall's verification beside raw jwt-kit.")

    @Option(help: "Tokens verified per measurement") var count = 50_000

    struct RawClaims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var role: String
        func verify(using _: some JWTAlgorithm) async throws {}
    }

    func run() async throws {
        let secret = ServiceConfiguration.localJWTSecret
        let authority = await TokenAuthority(secret: secret)
        let token = try await authority.sign(Principal(subject: "cand-1", role: .candidate, name: "Ada Lovelace", email: "ada@example.org", language: "en", timeZone: "Europe/London"))
        let raw = JWTKeyCollection()
        await raw.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        _ = try await authority.verify(token)
        _ = try await raw.verify(token, as: RawClaims.self)
        let clock = ContinuousClock()
        let ours = try await clock.measure { for _ in 0..<count { _ = try await authority.verify(token) } }
        let baseline = try await clock.measure { for _ in 0..<count { _ = try await raw.verify(token, as: RawClaims.self) } }
        func perToken(_ duration: Duration) -> Double {
            (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) / Double(count) * 1e6
        }
        print(String(format: "ExamHall TokenAuthority.verify: %.1f µs per token", perToken(ours)))
        print(String(format: "raw jwt-kit HS256 verify + fixed claims: %.1f µs per token", perToken(baseline)))
        print(String(format: "ratio (raw / ours): %.2f", perToken(baseline) / perToken(ours)))
    }
}
