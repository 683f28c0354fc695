import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore

/// The key set an identity provider publishes at its JWKS URL, fetched when first needed and cached.
/// A token naming a key we do not know makes us fetch again (at most once per `refetchInterval`), so a
/// rotated-in key is picked up within seconds and a flood of forged `kid`s cannot hammer the provider. A
/// service starts without the provider being up: until a fetch succeeds, asymmetric tokens get 401.
public actor PublishedKeys {
    public let url: String
    private let refetchInterval: Duration
    private let maximumAge: Duration
    private let logger: Logger
    private var keys = JWTKeyCollection()
    private var identifiers: Set<String> = []
    private var fetchedAt: ContinuousClock.Instant?
    private var attemptedAt: ContinuousClock.Instant?
    private var fetching: Task<Void, Never>?

    public init(url: String, refetchInterval: Duration = .seconds(2), maximumAge: Duration = .seconds(300), logger: Logger) {
        self.url = url
        self.refetchInterval = refetchInterval
        self.maximumAge = maximumAge
        self.logger = logger
    }

    /// The keys to verify a token signed with `kid`, or nil when the provider does not publish it.
    public func keys(for kid: String) async -> JWTKeyCollection? {
        if let fetching {
            // A fetch is under way (perhaps for this very kid): its answer is the freshest there is.
            await fetching.value
        } else if !identifiers.contains(kid) {
            // A kid we do not know is most likely a key rotated in since we last looked: wait for the
            // next allowed fetch rather than refuse a good token, so the provider sees at most one
            // request per `refetchInterval` however many unknown kids arrive.
            if let attemptedAt {
                let allowedAt = attemptedAt + refetchInterval
                if allowedAt > .now { try? await Task.sleep(until: allowedAt) }
            }
            if let fetching {
                await fetching.value
            } else if !identifiers.contains(kid), attemptedAt.map({ ContinuousClock.now - $0 >= refetchInterval }) ?? true {
                await refresh()
            }
        } else if fetchedAt.map({ ContinuousClock.now - $0 > maximumAge }) ?? true,
                  attemptedAt.map({ ContinuousClock.now - $0 >= refetchInterval }) ?? true {
            await refresh()
        }
        return identifiers.contains(kid) ? keys : nil
    }

    /// Fetches the key set now; concurrent callers share one request.
    public func refresh() async {
        if let fetching { return await fetching.value }
        attemptedAt = .now
        let task = Task { await self.fetch() }
        fetching = task
        await task.value
        fetching = nil
    }

    private func fetch() async {
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            guard response.status == .ok else { throw PublishedKeysError.status(Int(response.status.code)) }
            let body = try await response.body.collect(upTo: 1 << 20)
            let (collection, names) = try await Self.collection(from: Data(buffer: body), logger: logger)
            keys = collection
            identifiers = names
            fetchedAt = .now
            logger.info("fetched the token signing keys", metadata: ["jwks": "\(url)", "kids": "\(names.sorted().joined(separator: ","))"])
        } catch {
            logger.warning("could not fetch the token signing keys; keeping the last ones", metadata: ["jwks": "\(url)", "error": "\(error)"])
        }
    }

    /// Signing keys with a `kid` are kept; encryption keys and keys jwt-kit cannot use (a provider may
    /// publish both) are skipped one by one rather than failing the whole set.
    static func collection(from data: Data, logger: Logger) async throws -> (JWTKeyCollection, Set<String>) {
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = document["keys"] as? [[String: Any]] else { throw PublishedKeysError.notAKeySet }
        let collection = JWTKeyCollection()
        var names: Set<String> = []
        for entry in entries {
            guard let kid = entry["kid"] as? String, (entry["use"] as? String ?? "sig") == "sig" else { continue }
            do {
                let json = String(decoding: try JSONSerialization.data(withJSONObject: entry), as: UTF8.self)
                try await collection.add(jwk: JWK(json: json))
                names.insert(kid)
            } catch {
                logger.debug("skipped a published key", metadata: ["kid": "\(kid)", "error": "\(error)"])
            }
        }
        return (collection, names)
    }
}

enum PublishedKeysError: Error, CustomStringConvertible {
    case status(Int)
    case notAKeySet

    var description: String {
        switch self {
        case .status(let code): "the JWKS URL answered \(code)"
        case .notAKeySet: "the JWKS URL did not return a JSON Web Key Set"
        }
    }
}
