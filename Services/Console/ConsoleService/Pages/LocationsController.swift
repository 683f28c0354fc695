import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /locations`, `GET/POST /locations/new`, `GET/POST /locations/{id}/edit`, `POST /locations/{id}/active`:
/// the testing locations sessions take place at, corrected and deactivated rather than deleted.
struct LocationsController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct ListContent: Sendable {
        var locations: [Row]
        var isEmpty: Bool
        var notice: String?
        var paging: PagingView
        var searchAction = "/locations"
        var searchLabel = "Name or address"
    }

    struct Row: Sendable {
        var id: String
        var name: String
        var address: String
        var timeZone: String
        var status: String
        /// What the row's button sets `active` to, and says.
        var makeActive: String
        var action: String
    }

    struct FormContent: Sendable {
        var form: FormView
        var timeZones: [Choice]
        var heading: String
        var action: String
        var submit: String
        var hint: String?
    }

    struct LocationRequest: Encodable, Sendable {
        var name: String
        var address: String
        var timeZone: String
    }

    private struct ActiveChange: Encodable, Sendable { var active: Bool }

    static let fieldOrder = ["name", "address", "timeZone"]
    static let labels = ["name": "Name", "address": "Address", "timeZone": "Time zone"]

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/locations", use: list)
        router.get("/locations/new", use: new)
        router.post("/locations/new", use: create)
        router.get("/locations/:id/edit", use: edit)
        router.post("/locations/:id/edit", use: change)
        router.post("/locations/:id/active", use: setActive)
    }

    @Sendable func list(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let query = request.uri.queryParameters
        let notice = query.get("created").map { "Location \($0) added." } ?? query.get("changed").map { "Location \($0) changed." }
        return try await listPage(ListPaging(path: "/locations", query: request.searchField("query"), offset: query.get("offset")), notice: notice, signedIn: signedIn)
    }

    @Sendable func new(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        return page(FormState(), location: nil, signedIn: signedIn)
    }

    @Sendable func create(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        return try await save(request, context: context, location: nil, signedIn: signedIn)
    }

    @Sendable func edit(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let location = try await load(context, signedIn: signedIn)
        let state = FormState(values: ["name": location.name, "address": location.address, "timeZone": location.timeZone])
        return page(state, location: location, signedIn: signedIn)
    }

    /// A correction reaches the sessions there that have not ended, whose candidates are told.
    @Sendable func change(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        return try await save(request, context: context, location: try await load(context, signedIn: signedIn), signedIn: signedIn)
    }

    /// Adds a location (`location` nil) or corrects one from the posted form; a refusal comes back
    /// beside its field.
    private func save(_ request: Request, context: ExamHallRequestContext, location: APILocation?, signedIn: SignedIn) async throws -> Response {
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = Self.state(of: form)
        guard let body = Self.request(form, state: &state) else { return page(state, location: location, signedIn: signedIn) }
        let principal = signedIn.account.principal
        do {
            let saved: APILocation = if let location {
                try await client.send(.PATCH, .sessions, "/locations/\(location.id)", body: body, for: principal)
            } else {
                try await client.post(.sessions, "/locations", body: body, as: APILocation.self, for: principal)
            }
            // The list opens on the location saved, found by its name.
            let name = Self.queryValue(saved.name)
            return redirect(to: "/locations?query=\(name)&\(location == nil ? "created" : "changed")=\(name)")
        } catch let problem as ServiceProblem where problem.status < 500 {
            state.absorb(problem, field: { Self.fieldOrder.contains($0) ? $0 : "name" }, labels: Self.labels)
            return page(state, location: location, signedIn: signedIn)
        }
    }

    /// Deactivates or reactivates a location; the answer names the sessions a deactivated one keeps.
    @Sendable func setActive(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        guard let id = Self.locationId(context), let active = form["active"].map({ $0 == "true" }) else { throw PageRefusal.notFound("location") }
        let changed = try await client.send(.PATCH, .sessions, "/locations/\(id)", body: ActiveChange(active: active), for: signedIn.account.principal) as APILocation
        let sessions = changed.sessions ?? []
        let notice = active ? "\(changed.name) takes new sessions again."
            : sessions.isEmpty ? "\(changed.name) is deactivated: no new session is placed there."
            : "\(changed.name) is deactivated: no new session is placed there. Its sessions still to come keep it: \(sessions.map(\.name).joined(separator: ", "))."
        return try await listPage(ListPaging(path: "/locations", query: changed.name), notice: notice, signedIn: signedIn)
    }

    private func listPage(_ paging: ListPaging, notice: String?, signedIn: SignedIn) async throws -> Response {
        let found = try await client.get(.sessions, "/locations", query: paging.apiQuery, as: APIList<APILocation>.self, for: signedIn.account.principal)
        let locations = found.items
        let rows = locations.map { location in
            Row(
                id: location.id, name: location.name, address: location.address, timeZone: location.timeZone,
                status: location.isActive ? "Active" : "Deactivated", makeActive: location.isActive ? "false" : "true",
                action: location.isActive ? "Deactivate" : "Reactivate"
            )
        }
        let content = ListContent(
            locations: rows, isEmpty: rows.isEmpty, notice: notice,
            paging: paging.view(shown: rows.count, total: found.total ?? rows.count, noun: "locations")
        )
        return renderer.render("locations", title: "Locations", content: content, signedIn: signedIn, section: "/locations")
    }

    private func load(_ context: ExamHallRequestContext, signedIn: SignedIn) async throws -> APILocation {
        guard let id = Self.locationId(context) else { throw PageRefusal.notFound("location") }
        return try await client.get(.sessions, "/locations/\(id)", as: APILocation.self, for: signedIn.account.principal)
    }

    private static func locationId(_ context: ExamHallRequestContext) -> String? {
        context.parameters.get("id").flatMap(UUID.init(uuidString:))?.uuidString.lowercased()
    }

    private static func state(of form: Form) -> FormState {
        FormState(values: Dictionary(uniqueKeysWithValues: fieldOrder.map { ($0, form[$0] ?? "") }))
    }

    private static func request(_ form: Form, state: inout FormState) -> LocationRequest? {
        if form.text("name") == nil { state.fail("name", "Enter the location's name") }
        if form.text("address") == nil { state.fail("address", "Enter the location's address") }
        if form.text("timeZone") == nil { state.fail("timeZone", "Choose the location's time zone") }
        guard !state.hasErrors, let name = form.text("name"), let address = form.text("address"), let timeZone = form.text("timeZone") else { return nil }
        return LocationRequest(name: name, address: address, timeZone: timeZone)
    }

    private static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// The form to add a location, or to correct `location`.
    private func page(_ state: FormState, location: APILocation?, signedIn: SignedIn) -> Response {
        let chosen = state.value("timeZone")
        let heading = location.map { "Change \($0.name)" } ?? "Add a location"
        let content = FormContent(
            form: state.view(order: Self.fieldOrder),
            timeZones: TimeZone.knownTimeZoneIdentifiers.sorted().map { Choice(value: $0, label: $0, selected: $0 == chosen) },
            heading: heading, action: location.map { "/locations/\($0.id)/edit" } ?? "/locations/new",
            submit: location == nil ? "Add the location" : "Save the changes",
            hint: location == nil ? nil : "Candidates booked on a session here that has not ended are told of a new name, address or time zone."
        )
        return renderer.render(
            "location-form", title: state.hasErrors ? "Error: \(heading)" : heading, content: content, signedIn: signedIn,
            section: "/locations", status: state.hasErrors ? .unprocessableContent : .ok
        )
    }
}
