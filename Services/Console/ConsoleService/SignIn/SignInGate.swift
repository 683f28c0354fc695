import Crypto
import ExamHallModels
import ExamHallStorage
import Foundation
import Hummingbird

/// A signed-in person, as each request finds them.
struct SignedIn: Sendable {
    var account: Account
    /// The synchronizer token every form of this browser must carry.
    var csrfToken: String
    fileprivate var idHash: String
}

/// Why a page was not served; `PageMiddleware` turns each into the page or redirect a person expects.
enum PageRefusal: Error {
    /// Not signed in (or signed out by a timeout): go to /login, then come back to `returnTo`.
    case signInRequired(returnTo: String)
    /// Signed in, but the role may not do this; the page still shows their own links.
    case forbidden(SignedIn)
    /// A form without the browser's CSRF token, or with another's.
    case formExpired
    case notFound(String)
}

/// The console's sessions: a random id in an HttpOnly cookie, its SHA-256 in the `console` schema,
/// with idle and absolute timeouts and the account and role checked again on every request.
struct SignInGate: Sendable {
    let database: DatabasePool
    let configuration: ConsoleConfiguration
    let clock: @Sendable () -> Date

    /// `__Host-` pins the cookie to this host and path `/`, and browsers only accept it over HTTPS.
    var cookieName: String { configuration.secureCookies ? "__Host-examhall_session" : "examhall_session" }

    /// The person signed in with this request's cookie, or nil.
    func current(_ request: Request) async throws -> SignedIn? {
        guard let value = request.cookies[cookieName]?.value, value.count <= 100 else { return nil }
        let idHash = Self.hash(value)
        let now = clock()
        let configuration = configuration
        return try await database.withConnection { connection -> SignedIn? in
            let sessions = SignInSessionStore(connection: connection)
            guard let session = try sessions.session(idHash: idHash) else { return nil }
            let expired = now.timeIntervalSince(session.createdAt) > configuration.absoluteTimeout
                || now.timeIntervalSince(session.lastSeenAt) > configuration.idleTimeout
            guard !expired, let account = try AccountStore(connection: connection).account(id: session.accountId), account.active else {
                try sessions.delete(idHash: idHash)
                return nil
            }
            // One write a minute is enough to keep the idle timeout honest.
            if now.timeIntervalSince(session.lastSeenAt) > 60 { try sessions.touch(idHash: idHash, at: now) }
            return SignedIn(account: account, csrfToken: session.csrfToken, idHash: idHash)
        }
    }

    /// The person signed in, who must hold one of `roles`.
    func require(_ request: Request, _ roles: StaffRole...) async throws -> SignedIn {
        guard let signedIn = try await current(request) else {
            throw PageRefusal.signInRequired(returnTo: request.method == .get ? request.uri.description : "/")
        }
        guard roles.contains(signedIn.account.role) else { throw PageRefusal.forbidden(signedIn) }
        return signedIn
    }

    /// A POSTed form must carry this browser's token, compared in constant time.
    func checkForm(_ form: Form, of signedIn: SignedIn) throws {
        guard let token = form["csrf"], Self.constantTimeEqual(token, signedIn.csrfToken) else { throw PageRefusal.formExpired }
    }

    /// Signs `account` in on a new session id (never one the browser brought), and returns its cookie.
    func begin(_ account: Account) async throws -> Cookie {
        let value = Self.randomToken()
        let session = SignInSession(accountId: account.id, csrfToken: Self.randomToken(), createdAt: clock(), lastSeenAt: clock())
        try await database.withConnection { try SignInSessionStore(connection: $0).insert(idHash: Self.hash(value), session) }
        return cookie(value: value, maxAge: Int(configuration.absoluteTimeout))
    }

    /// Ends the session on the server and returns a cookie that clears the browser's.
    func end(_ signedIn: SignedIn) async throws -> Cookie {
        try await database.withConnection { try SignInSessionStore(connection: $0).delete(idHash: signedIn.idHash) }
        return cookie(value: "", maxAge: 0)
    }

    private func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: "/", secure: configuration.secureCookies, httpOnly: true, sameSite: .lax)
    }

    static func hash(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 256 random bits, URL-safe.
    static func randomToken() -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
