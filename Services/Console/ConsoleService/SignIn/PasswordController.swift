import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET/POST /password/{token}`: an invited person chooses their password with the one-time link from
/// their email. The link works once; choosing a password signs out any other browser of the account.
struct PasswordController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let clock: @Sendable () -> Date

    struct Content: Sendable {
        var token: String
        var formToken: String
        var name: String
        var form: FormView
    }

    static let fieldOrder = ["password", "confirmation"]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/password/:token", use: show)
        router.post("/password/:token", use: choose)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let account = try await usableAccount(token) else { return expired() }
        return form(token: token, account: account, state: FormState())
    }

    @Sendable func choose(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await Form.read(request, context: context)
        try SignInController.checkLoginForm(form, request)
        guard let account = try await usableAccount(token) else { return expired() }
        var state = FormState()
        let password = form["password"] ?? ""
        if let problem = PasswordRules.problem(with: password) { state.fail("password", problem) }
        else if form["confirmation"] != password { state.fail("confirmation", "Enter the same password twice") }
        if state.hasErrors { return self.form(token: token, account: account, state: state) }
        let hash = try await Passwords.hash(password)
        let now = clock()
        let used = try await gate.database.transaction { connection -> Bool in
            guard try OneTimeLinkStore(connection: connection).consume(tokenHash: SignInGate.hash(token), at: now) else { return false }
            let store = AccountStore(connection: connection)
            guard var current = try store.lock(id: account.id) else { return false }
            current.passwordHash = hash
            try store.update(current, at: now)
            try SignInSessionStore(connection: connection).deleteAll(accountId: account.id)
            return true
        }
        guard used else { return expired() }
        context.logger.notice("password chosen with a one-time link", metadata: ["account": "\(account.id.uuidString.lowercased())"])
        return redirect(to: "/login?done=password")
    }

    private func usableAccount(_ token: String) async throws -> Account? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        let now = clock()
        return try await gate.database.withConnection { connection -> Account? in
            guard let id = try OneTimeLinkStore(connection: connection).usable(tokenHash: SignInGate.hash(token), purpose: .setPassword, at: now) else { return nil }
            return try AccountStore(connection: connection).account(id: id).flatMap { $0.active ? $0 : nil }
        }
    }

    private func form(token: String, account: Account, state: FormState) -> Response {
        let formToken = SignInGate.randomToken()
        let cookie = Cookie(
            name: SignInController.loginCookie, value: formToken, maxAge: 3600, path: "/password", secure: gate.configuration.secureCookies,
            httpOnly: true, sameSite: .strict
        )
        return renderer.render(
            "password", title: state.hasErrors ? "Error: Choose your password" : "Choose your password",
            content: Content(token: token, formToken: formToken, name: account.name, form: state.view(order: Self.fieldOrder)),
            signedIn: nil, status: state.hasErrors ? .unprocessableContent : .ok, headers: [.setCookie: cookie.description]
        )
    }

    private func expired() -> Response {
        renderer.render(
            "message", title: "This link no longer works",
            content: PageMiddleware.Message(
                heading: "This link no longer works",
                text: "Links to choose a password work once, for 3 days. Ask an administrator to send the invitation again.",
                link: "/login", linkLabel: "Go to sign in"
            ),
            signedIn: nil, status: .gone
        )
    }
}
