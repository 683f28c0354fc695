import ExamHallModels
import Foundation
import Hummingbird
import NIOCore

/// The request context of every ExamHall service: who is calling, and JSON with RFC 3339 dates.
public struct ExamHallRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` when a valid bearer token came with the request.
    public var principal: Principal?
    public var correlationId: String?
    /// The connection's peer (the last proxy's address when one is in front).
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The largest body read: an API request or a console form is a few kilobytes; a larger one is a
    /// 413 `request-too-large` before it is held in memory.
    public static let maximumBodySize = 1024 * 1024
    public var maxUploadSize: Int { Self.maximumBodySize }

    public var requestDecoder: ExamHallRequestDecoder { ExamHallRequestDecoder() }
    public var responseEncoder: JSONEncoder { EventCoding.encoder }

    /// The caller, who must hold one of `roles`: 401 without a token, 403 with the wrong role.
    @discardableResult
    public func require(_ roles: Role...) throws -> Principal {
        guard let principal else {
            throw Problem(.unauthorized, type: "authentication-required", detail: "send a bearer token in the Authorization header")
        }
        guard roles.contains(principal.role) else {
            throw Problem(.forbidden, type: "forbidden", detail: "the \(principal.role.rawValue) role may not do this")
        }
        return principal
    }
}

/// JSON bodies read as events are (RFC 3339 dates), refusing text PostgreSQL cannot store with a 422
/// before any handler sees it.
public struct ExamHallRequestDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        guard !NULCharacter.isEscaped(in: body.readableBytesView) else { throw Problem.nulCharacter }
        return try EventCoding.decoder.decode(T.self, from: body)
    }
}
