import ExamHallModels
import Foundation
import Hummingbird

/// An RFC 9457 problem: a stable `type` (ending in the rule's name) and a human `detail`.
public struct Problem: Error, HTTPResponseError, CustomStringConvertible {
    public static let typePrefix = "https://examhall.dev/problems/"

    public let status: HTTPResponse.Status
    public let type: String
    public let detail: String
    public let extra: [String: ProblemValue]
    /// Seconds after which the same request may succeed (`Retry-After`): the state it ran into may be
    /// about to change by itself, for example an event still on its way.
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, type: String, detail: String, extra: [String: ProblemValue] = [:], retryAfter: Int? = nil) {
        self.status = status
        self.type = type
        self.detail = detail
        self.extra = extra
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(type): \(detail)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: ProblemValue] = extra
        body["type"] = .string(Self.typePrefix + type)
        body["title"] = .string(status.reasonPhrase)
        body["status"] = .int(status.code)
        body["detail"] = .string(detail)
        body["instance"] = .string(request.uri.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(body)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 422 listing every field that failed validation.
    /// Text PostgreSQL cannot store, wherever it came from: a body, a patch or a query parameter.
    public static let nulCharacter = Problem(.unprocessableContent, type: "invalid-text", detail: NULCharacter.refusal)

    public static func invalid(_ error: ValidationError) -> Problem {
        Problem(
            .unprocessableContent, type: "validation-failed", detail: error.description,
            extra: ["errors": .array(error.issues.map { .object(["field": .string($0.field), "message": .string($0.message)]) })]
        )
    }

    public static func notFound(_ what: String) -> Problem {
        Problem(.notFound, type: "not-found", detail: "\(what) does not exist")
    }
}

/// JSON values in a problem body's extension members.
public indirect enum ProblemValue: Encodable, Sendable {
    case string(String)
    case int(Int)
    case array([ProblemValue])
    case object([String: ProblemValue])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .array(values): try container.encode(values)
        case let .object(object): try container.encode(object)
        }
    }
}
