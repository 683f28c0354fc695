import Foundation
import ExamHallStorage
import HTTPTypes
import Hummingbird
import NIOCore
import Logging

/// Turns every error into problem+json, so clients never see HTML, an empty body or a stack trace.
/// Rule violations arrive as `Problem`s already; this catches the rest.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = ExamHallRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            let type = switch error.status {
            case .badRequest: "invalid-request"
            case .notFound: "not-found"
            case .methodNotAllowed: "method-not-allowed"
            case .contentTooLarge: "request-too-large"
            case .unsupportedMediaType: "unsupported-media-type"
            default: "http-\(error.status.code)"
            }
            return try Problem(error.status, type: type, detail: error.body ?? error.status.reasonPhrase).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            let limit = ExamHallRequestContext.maximumBodySize / 1024
            return try Problem(.contentTooLarge, type: "request-too-large", detail: "the request body is larger than \(limit) KiB")
                .response(from: request, context: context)
        } catch let error as PostgresError where error.isUntranslatableText {
            return try Problem.nulCharacter.response(from: request, context: context)
        } catch let error as PostgresError where error.isTransient {
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            return try Problem(.serviceUnavailable, type: "service-unavailable", detail: "the database is unavailable; try again shortly")
                .response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return try Problem(.internalServerError, type: "internal-error", detail: "an unexpected error occurred; it has been logged")
                .response(from: request, context: context)
        }
    }
}

/// Carries the caller's `X-Correlation-Id` (or a new one) into logs and back in the response.
public struct CorrelationMiddleware: RouterMiddleware {
    public typealias Context = ExamHallRequestContext
    public static let header = HTTPField.Name("X-Correlation-Id")!

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let supplied = request.headers[Self.header].flatMap { $0.count <= 200 && !$0.isEmpty ? $0 : nil }
        let correlationId = supplied ?? UUID.timeOrdered().uuidString.lowercased()
        context.correlationId = correlationId
        context.logger[metadataKey: "correlationid"] = .string(correlationId)
        var response = try await next(request, context)
        response.headers[Self.header] = correlationId
        return response
    }
}
