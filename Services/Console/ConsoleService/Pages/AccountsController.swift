import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// `/admin/accounts`: admins invite staff by email (a one-time link to choose a password), send a new
/// link to someone who forgot theirs, change a role, deactivate and reactivate accounts. A proctor account is linked to its entry in the proctor
/// registry, created there when the person is not registered yet.
struct AccountsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient
    let mailer: ConsoleMailer
    let clock: @Sendable () -> Date

    static let roles: [(StaffRole, String)] = [(.csr, "Customer service representative"), (.proctor, "Proctor"), (.admin, "Administrator")]
    static let fieldOrder = ["name", "email", "role"]

    struct ListContent: Sendable {
        var notice: String?
        var error: String?
        var rows: [Row]
    }

    struct Row: Sendable {
        var id: String
        var name: String
        var email: String
        var role: String
        var status: String
        var isSelf: Bool
        var active: Bool
        var invited: Bool
        var roles: [Choice]
    }


    struct FormContent: Sendable {
        var form: FormView
        var roles: [Choice]
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/admin/accounts", use: list)
        router.get("/admin/accounts/new", use: new)
        router.post("/admin/accounts/new", use: invite)
        router.post("/admin/accounts/:id/role", use: changeRole)
        router.post("/admin/accounts/:id/deactivate", use: deactivate)
        router.post("/admin/accounts/:id/activate", use: activate)
        router.post("/admin/accounts/:id/resend", use: resend)
    }

    static let notices = [
        "invited": "Invitation sent.",
        "unsent": "The account was created, but the invitation could not be emailed. Try “Send the invitation again”.",
        "role": "Role changed. The person's next page already uses it.",
        "deactivated": "Account deactivated and signed out everywhere.",
        "activated": "Account reactivated.",
        "resent": "Link sent; earlier links no longer work.",
    ]

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin)
        let notice = request.uri.queryParameters.get("done").flatMap { Self.notices[$0] }
        return try await listPage(signedIn, notice: notice, error: nil)
    }

    private func listPage(_ signedIn: SignedIn, notice: String?, error: String?) async throws -> Response {
        let accounts = try await gate.database.withConnection { try AccountStore(connection: $0).all() }
        let rows = accounts.map { account in
            let id = account.id.uuidString.lowercased()
            return Row(
                id: id, name: account.name, email: account.email, role: AccountController.roleName(account.role),
                status: !account.active ? "Deactivated" : (account.passwordHash == nil ? "Invited, no password yet" : "Active"),
                isSelf: account.id == signedIn.account.id, active: account.active, invited: account.passwordHash == nil,
                roles: Self.roles.map { Choice(value: $0.0.rawValue, label: $0.1, selected: $0.0 == account.role, id: "role-\(id)-\($0.0.rawValue)") }
            )
        }
        return renderer.render(
            "accounts", title: "Staff accounts", content: ListContent(notice: notice, error: error, rows: rows), signedIn: signedIn,
            section: "/admin/accounts", status: error == nil ? .ok : .conflict
        )
    }

    @Sendable func new(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin)
        return form(FormState(values: ["role": "csr"]), signedIn: signedIn)
    }

    @Sendable func invite(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = FormState(values: Dictionary(uniqueKeysWithValues: Self.fieldOrder.map { ($0, form[$0] ?? "") }))
        let name = form.text("name")
        let email = form.text("email")
        let role = form["role"].flatMap(StaffRole.init(rawValue:))
        if name == nil { state.fail("name", "Enter the person's name") }
        if let problem = Self.emailProblem(email) { state.fail("email", problem) }
        if role == nil { state.fail("role", "Choose a role") }
        guard !state.hasErrors, let name, let email, let role else { return self.form(state, signedIn: signedIn) }
        let proctorId = role == .proctor ? try await registryEntry(name: name, email: email, principal: signedIn.account.principal) : nil
        let now = clock()
        let account = Account(id: UUID.timeOrdered(at: now), email: email, name: name, role: role, passwordHash: nil, proctorId: proctorId, active: true)
        let created = try await gate.database.withConnection { try AccountStore(connection: $0).insert(account, at: now) }
        guard created else {
            state.fail("email", "An account with this email address exists already")
            return self.form(state, signedIn: signedIn)
        }
        context.logger.notice("staff account invited", metadata: ["account": "\(account.id.uuidString.lowercased())", "role": "\(role.rawValue)"])
        let sent = await sendInvitation(to: account, by: signedIn.account, context: context)
        return redirect(to: "/admin/accounts?done=\(sent ? "invited" : "unsent")")
    }

    @Sendable func changeRole(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, form) = try await begin(request, context)
        guard let role = form["role"].flatMap(StaffRole.init(rawValue:)) else { return try await listPage(signedIn, notice: nil, error: "Choose a role.") }
        let current = try await gate.database.withConnection { try AccountStore(connection: $0).account(id: id) }
        guard let current else { throw PageRefusal.notFound("account") }
        // A new proctor needs a registry entry before the change, outside the transaction.
        let proctorId = role == .proctor && current.proctorId == nil
            ? try await registryEntry(name: current.name, email: current.email, principal: signedIn.account.principal) : current.proctorId
        return try await change(id, by: signedIn, done: "role", context: context) { account in
            account.role = role
            account.proctorId = proctorId
        }
    }

    @Sendable func deactivate(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, _) = try await begin(request, context)
        return try await change(id, by: signedIn, done: "deactivated", context: context) { $0.active = false }
    }

    @Sendable func activate(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, _) = try await begin(request, context)
        return try await change(id, by: signedIn, done: "activated", context: context) { $0.active = true }
    }

    @Sendable func resend(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let (signedIn, id, _) = try await begin(request, context)
        let account = try await gate.database.withConnection { try AccountStore(connection: $0).account(id: id) }
        guard let account, account.active, account.id != signedIn.account.id else { throw PageRefusal.notFound("account to send a link to") }
        let sent = await sendInvitation(to: account, by: signedIn.account, context: context)
        return redirect(to: "/admin/accounts?done=\(sent ? "resent" : "unsent")")
    }

    private func begin(_ request: Request, _ context: ExamHallRequestContext) async throws -> (SignedIn, UUID, Form) {
        let signedIn = try await gate.require(request, .admin)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw PageRefusal.notFound("account") }
        return (signedIn, id, form)
    }

    /// Applies `edit` under a lock, if the rules allow it; a deactivated account is signed out at once.
    private func change(_ id: UUID, by signedIn: SignedIn, done: String, context: ExamHallRequestContext, _ edit: @escaping @Sendable (inout Account) -> Void) async throws -> Response {
        let now = clock()
        let actor = signedIn.account
        let refusal = try await gate.database.transaction { connection -> AccountRules.Refusal? in
            let store = AccountStore(connection: connection)
            let admins = try store.activeAdminCount()
            guard let current = try store.lock(id: id) else { throw PageRefusal.notFound("account") }
            var updated = current
            edit(&updated)
            do throws(AccountRules.Refusal) {
                try AccountRules.checkChange(of: current, by: actor, to: updated.role, active: updated.active, activeAdmins: admins)
            } catch {
                return error
            }
            try store.update(updated, at: now)
            if !updated.active { try SignInSessionStore(connection: connection).deleteAll(accountId: id) }
            return nil
        }
        if let refusal { return try await listPage(signedIn, notice: nil, error: refusal.description) }
        context.logger.notice("staff account changed", metadata: ["account": "\(id.uuidString.lowercased())", "change": "\(done)"])
        return redirect(to: "/admin/accounts?done=\(done)")
    }

    /// A new one-time link (earlier ones stop working), emailed; false when the email could not be sent.
    private func sendInvitation(to account: Account, by actor: Account, context: ExamHallRequestContext) async -> Bool {
        let token = SignInGate.randomToken()
        let now = clock()
        do {
            try await gate.database.transaction { connection in
                let links = OneTimeLinkStore(connection: connection)
                try links.revoke(accountId: account.id, purpose: .setPassword, at: now)
                try links.insert(
                    tokenHash: SignInGate.hash(token), accountId: account.id, purpose: .setPassword, at: now,
                    expiresAt: now.addingTimeInterval(AccountRules.invitationLifetime)
                )
            }
            let link = gate.configuration.publicURL + "/password/" + token
            let email = ConsoleMailer.invitation(to: account, link: link, invitedBy: actor.name, role: AccountController.roleName(account.role).lowercased())
            try await mailer.send(email, name: "invitation-\(account.id.uuidString.lowercased())-\(UTCFields(now).fileStamp)")
            return true
        } catch {
            context.logger.error("invitation not sent", metadata: ["account": "\(account.id.uuidString.lowercased())", "error": "\(error)"])
            return false
        }
    }

    /// The proctor registry entry for this person: registered now, or found by email when already there.
    private func registryEntry(name: String, email: String, principal: Principal) async throws -> UUID {
        struct ProctorRequest: Encodable, Sendable { var name: String; var email: String }
        do {
            let created = try await client.post(.sessions, "/proctors", body: ProctorRequest(name: name, email: email), as: APIProctor.self, for: principal)
            return UUID(uuidString: created.id)!
        } catch let problem as ServiceProblem where problem.type == "proctor-exists" {
            let registry = try await client.every(.sessions, "/proctors", as: APIProctor.self, for: principal)
            guard let found = registry.first(where: { $0.email.lowercased() == email.lowercased() }), let id = UUID(uuidString: found.id) else { throw problem }
            return id
        }
    }

    private func form(_ state: FormState, signedIn: SignedIn) -> Response {
        let chosen = state.value("role")
        let content = FormContent(
            form: state.view(order: Self.fieldOrder),
            roles: Self.roles.map { Choice(value: $0.0.rawValue, label: $0.1, selected: $0.0.rawValue == chosen, id: "role-\($0.0.rawValue)") }
        )
        return renderer.render(
            "account-form", title: state.hasErrors ? "Error: Invite someone" : "Invite someone", content: content, signedIn: signedIn,
            section: "/admin/accounts", status: state.hasErrors ? .unprocessableContent : .ok
        )
    }

    static func emailProblem(_ email: String?) -> String? {
        guard let email else { return "Enter the person's email address" }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(where: \.isWhitespace) else {
            return "Enter an email address like name@example.org"
        }
        return nil
    }
}
