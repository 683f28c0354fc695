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

/// A signed-in candidate, reading the console in `language`.
struct SignedInCandidate: Sendable {
    var candidate: Candidate
    var language: CandidateLanguage
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

    /// The staff member signed in with this request's cookie, or nil.
    func current(_ request: Request) async throws -> SignedIn? {
        try await resolve(request) { connection, session, idHash in
            guard case .staff(let id) = session.person, let account = try AccountStore(connection: connection).account(id: id), account.active else { return nil }
            return SignedIn(account: account, csrfToken: session.csrfToken, idHash: idHash)
        }
    }

    /// The candidate signed in with this request's cookie, or nil.
    func currentCandidate(_ request: Request) async throws -> SignedInCandidate? {
        try await resolve(request) { connection, session, idHash in
            guard case .candidate(let id, let language) = session.person, let candidate = try CandidateStore(connection: connection).candidate(id: id) else { return nil }
            return SignedInCandidate(candidate: candidate, language: language, csrfToken: session.csrfToken, idHash: idHash)
        }
    }

    /// The candidate signed in; anyone else is sent to sign in.
    func requireCandidate(_ request: Request) async throws -> SignedInCandidate {
        guard let signedIn = try await currentCandidate(request) else {
            throw PageRefusal.signInRequired(returnTo: request.method == .get ? request.uri.description : "/me")
        }
        return signedIn
    }

    /// The live session behind the cookie, as `person` makes of it; an expired session, or one whose
    /// person is gone or deactivated, is deleted.
    private func resolve<Person: Sendable>(
        _ request: Request, person: @escaping @Sendable (PGConnection, SignInSession, String) throws -> Person?
    ) async throws -> Person? {
        guard let value = request.cookies[cookieName]?.value, value.count <= 100 else { return nil }
        let idHash = Self.hash(value)
        let now = clock()
        let configuration = configuration
        return try await database.withConnection { connection -> Person? in
            let sessions = SignInSessionStore(connection: connection)
            guard let session = try sessions.session(idHash: idHash) else { return nil }
            let expired = now.timeIntervalSince(session.createdAt) > configuration.absoluteTimeout
                || now.timeIntervalSince(session.lastSeenAt) > configuration.idleTimeout
            if expired {
                try sessions.delete(idHash: idHash)
                return nil
            }
            guard let found = try person(connection, session, idHash) else {
                // A staff cookie on a candidate page (or the reverse) is not signed out; a session whose
                // person was deactivated or erased is.
                if try !Self.personExists(session.person, connection: connection) { try sessions.delete(idHash: idHash) }
                return nil
            }
            // One write a minute is enough to keep the idle timeout honest.
            if now.timeIntervalSince(session.lastSeenAt) > 60 { try sessions.touch(idHash: idHash, at: now) }
            return found
        }
    }

    private static func personExists(_ person: SignInSession.Person, connection: PGConnection) throws -> Bool {
        switch person {
        case .staff(let id): try AccountStore(connection: connection).account(id: id)?.active == true
        case .candidate(let id, _): try CandidateStore(connection: connection).candidate(id: id) != nil
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
        try Self.checkForm(form, token: signedIn.csrfToken)
    }

    func checkForm(_ form: Form, of signedIn: SignedInCandidate) throws {
        try Self.checkForm(form, token: signedIn.csrfToken)
    }

    private static func checkForm(_ form: Form, token expected: String) throws {
        guard let token = form["csrf"], constantTimeEqual(token, expected) else { throw PageRefusal.formExpired }
    }

    /// Signs `account` in on a new session id (never one the browser brought), and returns its cookie.
    func begin(_ account: Account) async throws -> Cookie {
        try await begin(.staff(account.id))
    }

    /// Signs a candidate in, reading the console in their own language.
    func begin(_ candidate: Candidate) async throws -> Cookie {
        try await begin(.candidate(candidate.id, language: CandidateLanguage(tag: candidate.language)))
    }

    private func begin(_ person: SignInSession.Person) async throws -> Cookie {
        let value = Self.randomToken()
        let session = SignInSession(person: person, csrfToken: Self.randomToken(), createdAt: clock(), lastSeenAt: clock())
        try await database.withConnection { try SignInSessionStore(connection: $0).insert(idHash: Self.hash(value), session) }
        return cookie(value: value, maxAge: Int(configuration.absoluteTimeout))
    }

    /// Ends the session on the server and returns a cookie that clears the browser's.
    func end(_ signedIn: SignedIn) async throws -> Cookie {
        try await end(idHash: signedIn.idHash)
    }

    func end(_ signedIn: SignedInCandidate) async throws -> Cookie {
        try await end(idHash: signedIn.idHash)
    }

    private func end(idHash: String) async throws -> Cookie {
        try await database.withConnection { try SignInSessionStore(connection: $0).delete(idHash: idHash) }
        return cookie(value: "", maxAge: 0)
    }

    /// A candidate reads their pages in another language from now on.
    func setLanguage(_ language: CandidateLanguage, for signedIn: SignedInCandidate) async throws {
        try await database.withConnection { try SignInSessionStore(connection: $0).setLanguage(language, idHash: signedIn.idHash) }
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
