import Hummingbird

/// Reads `Authorization: Bearer …`; a bad token is a 401 even on routes that would not need one.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ExamHallRequestContext
    let authority: TokenAuthority

    public init(authority: TokenAuthority) { self.authority = authority }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.prefix(7).lowercased() == "bearer " else {
            throw Problem(.unauthorized, type: "invalid-token", detail: "the Authorization header must be 'Bearer <token>'")
        }
        var context = context
        // Spaces and tabs around the token are dropped on the Substring: Foundation's trimming goes
        // through NSString, which a profile showed on every request.
        var token = header.dropFirst(7)
        while token.first == " " || token.first == "\t" { token = token.dropFirst() }
        while token.last == " " || token.last == "\t" { token = token.dropLast() }
        do {
            context.principal = try await authority.verify(String(token))
        } catch {
            context.logger.info("token refused", metadata: ["reason": "\(error)"])
            throw Problem(.unauthorized, type: "invalid-token", detail: "the bearer token is invalid or expired")
        }
        context.logger[metadataKey: "principal"] = .string("\(context.principal!.role.rawValue):\(context.principal!.subject)")
        return try await next(request, context)
    }
}
