import ExamHallServiceKit
import Hummingbird

/// `GET /account`: who is signed in, with which role; and, for admins, `POST /admin/signing-keys/rotate`.
struct AccountController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let keys: SigningKeys

    struct Content: Sendable {
        var name: String
        var email: String
        var role: String
        var isAdmin: Bool
        var rotated: Bool
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/account", use: show)
        router.post("/admin/signing-keys/rotate", use: rotate)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr, .proctor)
        let account = signedIn.account
        return renderer.render(
            "account", title: "My account",
            content: Content(
                name: account.name, email: account.email, role: Self.roleName(account.role), isAdmin: account.role == .admin,
                rotated: request.uri.queryParameters.get("rotated") != nil
            ),
            signedIn: signedIn, section: "/account"
        )
    }

    @Sendable func rotate(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin)
        try gate.checkForm(try await Form.read(request, context: context), of: signedIn)
        try await keys.rotate()
        context.logger.notice("token signing key rotated by an admin", metadata: ["account": "\(signedIn.account.id.uuidString.lowercased())"])
        return redirect(to: "/account?rotated=1")
    }

    static func roleName(_ role: StaffRole) -> String {
        switch role {
        case .admin: "Administrator"
        case .csr: "Customer service representative"
        case .proctor: "Proctor"
        }
    }
}
