import ExamHallServiceKit
import Foundation
import Hummingbird

/// Results going back to the system that sold the exam: exported, pending and failing, and (for
/// admins) a button to run the export now instead of waiting for its schedule.
struct ExportsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct Content: Sendable {
        var notice: String?
        var counts: [Count]
        var rows: [Row]
        var hasRows: Bool
        var isAdmin: Bool
    }

    struct Count: Sendable {
        var label: String
        var value: Int
    }

    struct Row: Sendable {
        var attemptId: String
        var state: String
        var verified: String
        var exported: String
    }

    struct RunReply: Decodable, Sendable {
        var exported: Int
    }

    static let states = [
        ("waiting", "Waiting for the next run"), ("pending", "Handed over, not confirmed yet"), ("failing", "Failing"), ("exported", "Exported"),
    ]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/exports", use: show)
        router.post("/exports/run", use: run)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let exports = try await client.get(.verification, "/exports", as: APIExports.self, for: signedIn.account.principal)
        let names = Dictionary(uniqueKeysWithValues: Self.states)
        let ran = request.uri.queryParameters.get("ran").flatMap(Int.init)
        let content = Content(
            notice: ran.map { "Export run: \($0) result\($0 == 1 ? "" : "s") handed over." },
            counts: Self.states.map { Count(label: $0.1, value: exports.counts[$0.0] ?? 0) },
            rows: exports.items.map { line in
                Row(
                    attemptId: line.attemptId, state: names[line.state] ?? line.state,
                    verified: line.verifiedAt.map { DisplayTime.dateAndTime($0, timeZone: "UTC") } ?? "",
                    exported: (line.confirmedAt ?? line.exportedAt).map { DisplayTime.dateAndTime($0, timeZone: "UTC") } ?? ""
                )
            },
            hasRows: !exports.items.isEmpty, isAdmin: signedIn.account.role == .admin
        )
        return renderer.render("exports", title: "Result exports", content: content, signedIn: signedIn, section: "/exports")
    }

    @Sendable func run(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin)
        try gate.checkForm(try await Form.read(request, context: context), of: signedIn)
        let reply = try await client.post(.verification, "/exports/run", body: Empty(), as: RunReply.self, for: signedIn.account.principal)
        return redirect(to: "/exports?ran=\(reply.exported)")
    }
}
