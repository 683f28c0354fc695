import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// `GET/POST /login` and `POST /logout` for staff: email and password, throttled, with a CSRF token
/// even before sign-in (a double-submit cookie), and the same answer whether or not the email is known.
struct SignInController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let clock: @Sendable () -> Date

    static let loginCookie = "examhall_login"

    struct Content: Sendable {
        var email: String
        var next: String
        var loginToken: String
        var error: String?
        var notice: String?
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/login", use: show)
        router.post("/login", use: signIn)
        router.post("/logout", use: signOut)
        router.get("/") { request, _ in
            try await gate.current(request) == nil ? redirect(to: "/login") : redirect(to: "/calendar")
        }
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        if let signedIn = try await gate.current(request) { return redirect(to: Self.landing(signedIn.account.role)) }
        let notice = request.uri.queryParameters.get("done") == "password" ? "Your password is saved. Sign in with it now." : nil
        return form(email: "", next: request.uri.queryParameters.get("next") ?? "", error: nil, status: .ok, notice: notice)
    }

    @Sendable func signIn(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let form = try await Form.read(request, context: context)
        guard let token = form["csrf"], let cookie = request.cookies[Self.loginCookie]?.value,
              SignInGate.constantTimeEqual(token, cookie) else { throw PageRefusal.formExpired }
        let email = form.text("email") ?? ""
        let next = form["next"] ?? ""
        guard !email.isEmpty, let password = form["password"], !password.isEmpty else {
            return self.form(email: email, next: next, error: "Enter your email address and password", status: .unprocessableContent)
        }
        let now = clock()
        let accountKey = "account:" + email.lowercased()
        let addressKey = "address:" + (context.remoteAddress?.ipAddress ?? "unknown")
        let (accountFailures, addressFailures) = try await gate.database.withConnection { connection in
            let store = SignInSessionStore(connection: connection)
            let since = now.addingTimeInterval(-SignInThrottle.window)
            return (try store.failures(subject: accountKey, since: since), try store.failures(subject: addressKey, since: since))
        }
        if case .throttled(let wait) = SignInThrottle.decide(accountFailures: accountFailures, addressFailures: addressFailures, now: now) {
            let minutes = Int((wait / 60).rounded(.up))
            context.logger.notice("sign-in throttled", metadata: ["address": "\(addressKey)"])
            return self.form(
                email: email, next: next,
                error: "Too many failed attempts. Wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again", status: .tooManyRequests
            )
        }
        let account = try await gate.database.withConnection { try AccountStore(connection: $0).account(email: email) }
        guard try await Passwords.verify(password, hash: account?.passwordHash), let account, account.active else {
            try await gate.database.withConnection { try SignInSessionStore(connection: $0).recordFailure(subjects: [accountKey, addressKey], at: now) }
            context.logger.info("sign-in refused", metadata: ["address": "\(addressKey)"])
            return self.form(email: email, next: next, error: "Enter a correct email address and password", status: .unauthorized)
        }
        try await gate.database.withConnection { try SignInSessionStore(connection: $0).clearFailures(subject: accountKey) }
        let session = try await gate.begin(account)
        context.logger.info("signed in", metadata: ["account": "\(account.id.uuidString.lowercased())", "role": "\(account.role.rawValue)"])
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: session.description))
        headers.append(HTTPField(name: .setCookie, value: Cookie(name: Self.loginCookie, value: "", maxAge: 0, path: "/login", httpOnly: true, sameSite: .lax).description))
        return redirect(to: Self.safeReturn(next) ?? Self.landing(account.role), headers: headers)
    }

    @Sendable func signOut(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        guard let signedIn = try await gate.current(request) else { return redirect(to: "/login") }
        try gate.checkForm(try await Form.read(request, context: context), of: signedIn)
        let cleared = try await gate.end(signedIn)
        return redirect(to: "/login", headers: [.setCookie: cleared.description])
    }

    private func form(email: String, next: String, error: String?, status: HTTPResponse.Status, notice: String? = nil) -> Response {
        let token = SignInGate.randomToken()
        let cookie = Cookie(name: Self.loginCookie, value: token, maxAge: 3600, path: "/login", secure: gate.configuration.secureCookies, httpOnly: true, sameSite: .strict)
        return renderer.render(
            "login", title: error == nil ? "Sign in" : "Error: Sign in",
            content: Content(email: email, next: next, loginToken: token, error: error, notice: notice), signedIn: nil, status: status,
            headers: [.setCookie: cookie.description]
        )
    }

    static func landing(_ role: StaffRole) -> String {
        switch role {
        case .admin, .csr: "/calendar"
        case .proctor: "/account"
        }
    }

    /// Only a path on this site: never `//host` or a full URL, which would make the console an open redirect.
    static func safeReturn(_ next: String) -> String? {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains("\r"), !next.contains("\n") else { return nil }
        return next
    }
}
