import ExamHallServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// Candidates sign in by a link sent to their email: `POST /login/link` asks for one, `GET
/// /login/link/{token}` shows a button, and `POST` on it signs in (so a mail scanner that opens links
/// does not use them up). The answer to a request never says whether the email is known, and requests
/// are throttled per email and per address.
struct CandidateSignInController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let signIn: SignInController
    let mailer: ConsoleMailer
    let clock: @Sendable () -> Date

    struct LinkContent: Sendable {
        var words: CandidateWords
        var token: String
        var formToken: String
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.post("/login/link", use: request)
        router.get("/login/link/:token", use: show)
        router.post("/login/link/:token", use: use)
    }

    @Sendable func request(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let form = try await Form.read(request, context: context)
        try SignInController.checkLoginForm(form, request)
        let language = CandidateLanguage(tag: form["language"] ?? "en")
        let words = CandidateWords.of(language)
        let email = form.text("email") ?? ""
        guard email.contains("@"), email.count <= 320 else {
            return signIn.form(email: "", next: "", error: nil, status: .unprocessableContent, language: language, linkEmail: email, linkError: words.enterEmail)
        }
        let now = clock()
        let emailKey = "link-email:" + email.lowercased()
        let addressKey = "link-address:" + (context.remoteAddress?.ipAddress ?? "unknown")
        let (found, throttled) = try await gate.database.transaction { connection -> ((Candidate, token: String)?, Bool) in
            let attempts = SignInSessionStore(connection: connection)
            let since = now.addingTimeInterval(-SignInThrottle.window)
            let decision = SignInThrottle.decide(
                accountFailures: try attempts.failures(subject: emailKey, since: since), addressFailures: try attempts.failures(subject: addressKey, since: since), now: now
            )
            guard decision == .allowed else { return (nil, true) }
            try attempts.recordFailure(subjects: [emailKey, addressKey], at: now)
            guard let candidate = try CandidateStore(connection: connection).candidate(email: email) else { return (nil, false) }
            let token = SignInGate.randomToken()
            try OneTimeLinkStore(connection: connection).insert(
                tokenHash: SignInGate.hash(token), candidateId: candidate.id, at: now, expiresAt: now.addingTimeInterval(CandidateSignIn.linkLifetime)
            )
            return ((candidate, token), false)
        }
        if throttled {
            context.logger.notice("sign-in link requests throttled", metadata: ["address": "\(addressKey)"])
            return signIn.form(email: "", next: "", error: nil, status: .tooManyRequests, language: language, linkEmail: email, linkError: words.tooManyRequests)
        }
        if let (candidate, token) = found {
            // Sent after the answer, so a known email takes no longer to answer than an unknown one.
            let link = gate.configuration.publicURL + "/login/link/" + token
            let (mailer, logger) = (mailer, context.logger)
            Task {
                do {
                    try await mailer.send(ConsoleMailer.signInLink(to: candidate, link: link), name: "sign-in-\(UUID().uuidString.lowercased())")
                    logger.info("sign-in link sent", metadata: ["candidate": "\(candidate.id)"])
                } catch {
                    logger.error("sign-in link not sent", metadata: ["candidate": "\(candidate.id)", "error": "\(error)"])
                }
            }
        }
        return renderer.render(
            "message", title: words.linkSentTitle,
            content: PageMiddleware.Message(heading: words.linkSentTitle, text: words.linkSentText, link: "/login?lang=\(language.rawValue)", linkLabel: words.askNewLink),
            words: words
        )
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let candidate = try await usableCandidate(token) else { return unusable(request) }
        let words = CandidateWords.of(CandidateLanguage(tag: candidate.language))
        let formToken = SignInGate.randomToken()
        let cookie = Cookie(
            name: SignInController.loginCookie, value: formToken, maxAge: 900, path: "/login", secure: gate.configuration.secureCookies, httpOnly: true, sameSite: .strict
        )
        var response = renderer.render("login-link", title: words.linkTitle, content: LinkContent(words: words, token: token, formToken: formToken), words: words)
        response.headers[.setCookie] = cookie.description
        return response
    }

    @Sendable func use(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        try SignInController.checkLoginForm(try await Form.read(request, context: context), request)
        let now = clock()
        let candidate = try await gate.database.transaction { connection -> Candidate? in
            let links = OneTimeLinkStore(connection: connection)
            guard token.count >= 20, token.count <= 100, let id = try links.usableSignIn(tokenHash: SignInGate.hash(token), at: now),
                  try links.consume(tokenHash: SignInGate.hash(token), at: now) else { return nil }
            return try CandidateStore(connection: connection).candidate(id: id)
        }
        guard let candidate else { return unusable(request) }
        let session = try await gate.begin(candidate)
        context.logger.info("candidate signed in", metadata: ["candidate": "\(candidate.id)"])
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: session.description))
        headers.append(HTTPField(name: .setCookie, value: Cookie(name: SignInController.loginCookie, value: "", maxAge: 0, path: "/login", httpOnly: true, sameSite: .lax).description))
        return redirect(to: "/me", headers: headers)
    }

    private func usableCandidate(_ token: String) async throws -> Candidate? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        let now = clock()
        return try await gate.database.withConnection { connection -> Candidate? in
            guard let id = try OneTimeLinkStore(connection: connection).usableSignIn(tokenHash: SignInGate.hash(token), at: now) else { return nil }
            return try CandidateStore(connection: connection).candidate(id: id)
        }
    }

    /// Used, expired or never issued: the same page, in the language the browser prefers.
    private func unusable(_ request: Request) -> Response {
        let accepted = request.headers[.acceptLanguage] ?? ""
        let language = CandidateLanguage(tag: String(accepted.prefix(2)))
        let words = CandidateWords.of(language)
        return renderer.render(
            "message", title: words.linkUnusableTitle,
            content: PageMiddleware.Message(heading: words.linkUnusableTitle, text: words.linkUnusableText, link: "/login?lang=\(language.rawValue)", linkLabel: words.askNewLink),
            words: words, status: .gone
        )
    }
}
