import ExamHallServiceKit
import ExamHallStorage
import Foundation
import JWTKit
import Logging

/// The console's token signing keys (ES256), kept in its schema so every replica signs with the same
/// key and publishes the same set. The newest key signs; `refresh` makes a new one when the rotation
/// period has passed and drops retired keys once no token they signed can still be valid.
actor SigningKeys {
    private let database: DatabasePool
    private let configuration: ConsoleConfiguration
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private var signer: (kid: String, keys: JWTKeyCollection)?

    /// Verifiers cache key sets for minutes: a retired key stays published this much longer.
    static let publicationGrace: TimeInterval = 10 * 60

    init(database: DatabasePool, configuration: ConsoleConfiguration, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.database = database
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// An access token for `principal`, short-lived, for one call to a service.
    func sign(_ principal: Principal) async throws -> String {
        if signer == nil { try await refresh() }
        guard let signer else { throw SigningKeyError.noKey }
        let now = clock()
        let claims = ExamHallClaims(
            principal: principal, issuedAt: now, expiresAt: now.addingTimeInterval(configuration.tokenLifetime),
            issuer: configuration.issuer, audience: configuration.audience
        )
        return try await signer.keys.sign(claims, kid: JWKIdentifier(string: signer.kid))
    }

    /// Rotates when due, deletes keys nobody can need, and loads the key that signs now.
    func refresh() async throws {
        try await update(force: false)
    }

    /// A new key signs from now on; the previous one stays published until its tokens have expired.
    func rotate() async throws {
        try await update(force: true)
    }

    private func update(force: Bool) async throws {
        let now = clock()
        let period = configuration.keyRotationPeriod
        let lifetime = configuration.tokenLifetime
        let (kid, pem, created) = try await database.transaction { connection -> (String, String, Bool) in
            let store = SigningKeyStore(connection: connection)
            try store.lock()
            var keys = try store.keys()
            var created = false
            if force || SigningKeyRotation.needsNewKey(keys.map(\.record), now: now, rotationPeriod: period) {
                let record = SigningKeyRecord(kid: UUID.timeOrdered().uuidString.lowercased(), createdAt: now)
                let pem = ES256PrivateKey().pemRepresentation
                try store.insert(record, pem: pem)
                try store.retire(except: record.kid, at: now)
                keys = try store.keys()
                created = true
            }
            let expired = SigningKeyRotation.expired(keys.map(\.record), now: now, tokenLifetime: lifetime, grace: Self.publicationGrace)
            if !expired.isEmpty { try store.delete(expired.map(\.kid)) }
            guard let current = SigningKeyRotation.signing(keys.map(\.record)), let pem = keys.first(where: { $0.record.kid == current.kid })?.pem else {
                throw SigningKeyError.noKey
            }
            return (current.kid, pem, created)
        }
        if created { logger.notice("a new token signing key signs from now on", metadata: ["kid": "\(kid)"]) }
        if signer?.kid != kid {
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: kid))
            signer = (kid, keys)
        }
    }

    /// The public keys verifiers may need, for `/.well-known/jwks.json`.
    func published() async throws -> PublishedKeySet {
        let now = clock()
        let lifetime = configuration.tokenLifetime
        let keys = try await database.withConnection { try SigningKeyStore(connection: $0).keys() }
        let visible = Set(SigningKeyRotation.published(keys.map(\.record), now: now, tokenLifetime: lifetime, grace: Self.publicationGrace).map(\.kid))
        return PublishedKeySet(keys: try keys.filter { visible.contains($0.record.kid) }.reversed().map { key in
            let parameters = try ES256PrivateKey(pem: key.pem).publicKey.parameters
            guard let parameters else { throw SigningKeyError.noKey }
            return PublicKey(kid: key.record.kid, x: parameters.x, y: parameters.y)
        })
    }

    struct PublishedKeySet: Codable, Sendable {
        var keys: [PublicKey]
    }

    /// A public key in JWK form (RFC 7517, 7518).
    struct PublicKey: Codable, Sendable {
        var kty = "EC"
        var crv = "P-256"
        var alg = "ES256"
        var use = "sig"
        var kid: String
        var x: String
        var y: String
    }
}

enum SigningKeyError: Error, CustomStringConvertible {
    case noKey
    var description: String { "no token signing key is available" }
}
