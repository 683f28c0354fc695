import Hummingbird
import HTTPTypes

/// Headers every response carries, errors included: nothing is sniffed, framed, cached or sent on as a
/// referrer. API responses hold personal data and are never meant to be rendered; the console's pages
/// set a policy of their own, which is kept.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        SecurityHeaders.apply(to: &response.headers)
        return response
    }
}

/// The headers `SecurityHeadersMiddleware` adds where a response has not set its own, made once.
enum SecurityHeaders {
    static let defaults: [(HTTPField.Name, String)] = [
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ].map { (HTTPField.Name($0.0)!, $0.1) }

    static func apply(to headers: inout HTTPFields) {
        for (name, value) in defaults where headers[name] == nil {
            headers[name] = value
        }
    }
}
