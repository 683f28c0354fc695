import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /locations`, `GET/POST /locations/new`: the testing locations sessions take place at.
struct LocationsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct ListContent: Sendable {
        var locations: [Row]
        var isEmpty: Bool
        var created: String?
    }

    struct Row: Sendable {
        var name: String
        var address: String
        var timeZone: String
    }

    struct FormContent: Sendable {
        var form: FormView
        var timeZones: [Choice]
    }

    struct LocationRequest: Encodable, Sendable {
        var name: String
        var address: String
        var timeZone: String
    }

    static let fieldOrder = ["name", "address", "timeZone"]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/locations", use: list)
        router.get("/locations/new", use: new)
        router.post("/locations/new", use: create)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let locations = try await client.get(.sessions, "/locations", as: APIList<APILocation>.self, for: signedIn.account.principal).items
        let content = ListContent(
            locations: locations.map { Row(name: $0.name, address: $0.address, timeZone: $0.timeZone) }, isEmpty: locations.isEmpty,
            created: request.uri.queryParameters.get("created")
        )
        return renderer.render("locations", title: "Locations", content: content, signedIn: signedIn, section: "/locations")
    }

    @Sendable func new(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        return page(FormState(), signedIn: signedIn)
    }

    @Sendable func create(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = FormState(values: Dictionary(uniqueKeysWithValues: Self.fieldOrder.map { ($0, form[$0] ?? "") }))
        if form.text("name") == nil { state.fail("name", "Enter the location's name") }
        if form.text("address") == nil { state.fail("address", "Enter the location's address") }
        if form.text("timeZone") == nil { state.fail("timeZone", "Choose the location's time zone") }
        if state.hasErrors { return page(state, signedIn: signedIn) }
        do {
            let body = LocationRequest(name: form.text("name")!, address: form.text("address")!, timeZone: form.text("timeZone")!)
            let created = try await client.post(.sessions, "/locations", body: body, as: APILocation.self, for: signedIn.account.principal)
            return redirect(to: "/locations?created=" + (created.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        } catch let problem as ServiceProblem where problem.status < 500 {
            state.absorb(problem, field: { Self.fieldOrder.contains($0) ? $0 : "name" }, labels: ["name": "Name", "address": "Address", "timeZone": "Time zone"])
            return page(state, signedIn: signedIn)
        }
    }

    private func page(_ state: FormState, signedIn: SignedIn) -> Response {
        let chosen = state.value("timeZone")
        let content = FormContent(
            form: state.view(order: Self.fieldOrder),
            timeZones: TimeZone.knownTimeZoneIdentifiers.sorted().map { Choice(value: $0, label: $0, selected: $0 == chosen) }
        )
        return renderer.render(
            "location-form", title: state.hasErrors ? "Error: Add a location" : "Add a location", content: content, signedIn: signedIn,
            section: "/locations", status: state.hasErrors ? .unprocessableContent : .ok
        )
    }
}
