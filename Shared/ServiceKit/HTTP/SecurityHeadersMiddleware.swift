import Hummingbird
import HTTPTypes

/// Headers every response carries, errors included: nothing is sniffed, framed, cached or sent on as a
/// referrer. API responses hold personal data and are never meant to be rendered; the console's pages
/// set a policy of their own, which is kept.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.secure(&response.headers)
        return response
    }

    static func secure(_ headers: inout HTTPFields) {
        let defaults: [(String, String)] = [
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
        ]
        for (name, value) in defaults {
            guard let field = HTTPField.Name(name), headers[field] == nil else { continue }
            headers[field] = value
        }
    }
}
