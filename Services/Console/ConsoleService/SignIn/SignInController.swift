import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// `GET/POST /login` and `POST /logout`. Staff sign in with email and password, throttled, with a CSRF
/// token even before sign-in (a double-submit cookie), and the same answer whether or not the email is
/// known; the same page asks candidates for their email to send a sign-in link (`CandidateSignInController`).
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
        /// The candidates' part, in the language asked for with `?lang=`.
        var words: CandidateWords
        var language: String
        var otherLanguage: String
        var linkEmail: String
        var linkError: String?
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/login", use: show)
        router.post("/login", use: signIn)
        router.post("/logout", use: signOut)
        router.get("/") { request, _ in
            if let signedIn = try await gate.current(request) { return redirect(to: Self.landing(signedIn.account.role)) }
            return try await gate.currentCandidate(request) == nil ? redirect(to: "/login") : redirect(to: "/me")
        }
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        if let signedIn = try await gate.current(request) { return redirect(to: Self.landing(signedIn.account.role)) }
        if try await gate.currentCandidate(request) != nil { return redirect(to: "/me") }
        let notice = request.uri.queryParameters.get("done") == "password" ? "Your password is saved. Sign in with it now." : nil
        let language = CandidateLanguage(tag: request.uri.queryParameters.get("lang") ?? "en")
        return form(email: "", next: request.uri.queryParameters.get("next") ?? "", error: nil, status: .ok, notice: notice, language: language)
    }

    @Sendable func signIn(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let form = try await Form.read(request, context: context)
        try Self.checkLoginForm(form, request)
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
        let form = try await Form.read(request, context: context)
        if let signedIn = try await gate.current(request) {
            try gate.checkForm(form, of: signedIn)
            return redirect(to: "/login", headers: [.setCookie: try await gate.end(signedIn).description])
        }
        if let candidate = try await gate.currentCandidate(request) {
            try gate.checkForm(form, of: candidate)
            return redirect(to: "/login?lang=\(candidate.language.rawValue)", headers: [.setCookie: try await gate.end(candidate).description])
        }
        return redirect(to: "/login")
    }

    /// The sign-in page, with a fresh token for its forms in a cookie only `/login…` receives.
    func form(
        email: String, next: String, error: String?, status: HTTPResponse.Status, notice: String? = nil,
        language: CandidateLanguage = .en, linkEmail: String = "", linkError: String? = nil
    ) -> Response {
        let token = SignInGate.randomToken()
        let cookie = Cookie(name: Self.loginCookie, value: token, maxAge: 3600, path: "/login", secure: gate.configuration.secureCookies, httpOnly: true, sameSite: .strict)
        let words = CandidateWords.of(language)
        let content = Content(
            email: email, next: next, loginToken: token, error: error, notice: notice, words: words, language: language.rawValue,
            otherLanguage: language.other.rawValue, linkEmail: linkEmail, linkError: linkError
        )
        let failed = error != nil || linkError != nil
        var response = renderer.render(
            "login", title: failed ? "\(words.errorPrefix) \(words.signInTitle)" : words.signInTitle, content: content, words: words, status: status
        )
        response.headers[.setCookie] = cookie.description
        return response
    }

    /// The double-submit check of the forms used before sign-in.
    static func checkLoginForm(_ form: Form, _ request: Request) throws {
        guard let token = form["csrf"], let cookie = request.cookies[loginCookie]?.value, SignInGate.constantTimeEqual(token, cookie) else {
            throw PageRefusal.formExpired
        }
    }

    static func landing(_ role: StaffRole) -> String {
        switch role {
        case .admin, .csr: "/calendar"
        case .proctor: "/proctor/sessions"
        }
    }

    /// Only a path on this site: never `//host` or a full URL, which would make the console an open redirect.
    static func safeReturn(_ next: String) -> String? {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains("\r"), !next.contains("\n") else { return nil }
        return next
    }
}
