import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET/POST /sessions/new`: a session with every setting. Times are entered on the location's clock.
/// Settings that only public sessions have are hidden (by CSS, without JavaScript) for private ones.
struct SessionFormController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    static let fieldOrder = [
        "name", "locationId", "examCodes", "start", "end", "kind", "capacity", "bookingDeadline", "cancellationDeadline",
        "authorizationRequired", "priceAmount", "priceCurrency", "candidatesPerProctor", "deliveryPreference", "room",
        "instructions", "additionalInstructions",
    ]

    /// How each field is named in messages ("Capacity must be between 1 and 100000").
    static let labels = [
        "name": "Name", "locationId": "Location", "examCodes": "Exams", "start": "Start", "end": "End", "kind": "Who books",
        "capacity": "Capacity", "bookingDeadline": "Booking deadline", "cancellationDeadline": "Cancellation deadline",
        "authorizationRequired": "Authorization required", "priceAmount": "Price", "priceCurrency": "Currency",
        "candidatesPerProctor": "Candidates per proctor", "deliveryPreference": "Delivery", "room": "Room",
        "instructions": "Instructions", "additionalInstructions": "Special instructions",
    ]

    /// Where the sessions service's field names land on this form.
    static func formField(_ apiField: String) -> String {
        switch apiField {
        case "availability", "availability.start": "start"
        case "availability.end": "end"
        case "price", "price.amount": "priceAmount"
        case "price.currency": "priceCurrency"
        case "privateKind", "selfEnrollment": "kind"
        case let field where field.hasPrefix("examCodes"): "examCodes"
        case let field where fieldOrder.contains(field): field
        default: "name"
        }
    }

    struct Content: Sendable {
        var form: FormView
        var locations: [Choice]
        var exams: [Choice]
        var kinds: [Choice]
        var deliveries: [Choice]
        var authorizationRequired: Bool
        var mode: Mode
    }


    struct SessionRequest: Encodable, Sendable {
        struct Window: Encodable, Sendable { var start: Date; var end: Date }
        struct Price: Encodable, Sendable { var amount: Decimal; var currency: String }
        var locationId: String
        var name: String
        var examCodes: [String]
        var room: String?
        var instructions: String?
        var additionalInstructions: String?
        var deliveryPreference: String
        var availability: Window
        var selfEnrollment: Bool
        var privateKind: String?
        var bookingDeadline: Date?
        var cancellationDeadline: Date?
        var capacity: Int?
        var authorizationRequired: Bool?
        var price: Price?
        var candidatesPerProctor: Int?

        /// Every key, with null for what is not set: as a merge patch, null clears a setting.
        func encode(to encoder: any Encoder) throws {
            enum Key: String, CodingKey {
                case locationId, name, examCodes, room, instructions, additionalInstructions, deliveryPreference, availability, selfEnrollment
                case privateKind, bookingDeadline, cancellationDeadline, capacity, authorizationRequired, price, candidatesPerProctor
            }
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(locationId, forKey: .locationId)
            try container.encode(name, forKey: .name)
            try container.encode(examCodes, forKey: .examCodes)
            try container.encode(room, forKey: .room)
            try container.encode(instructions, forKey: .instructions)
            try container.encode(additionalInstructions, forKey: .additionalInstructions)
            try container.encode(deliveryPreference, forKey: .deliveryPreference)
            try container.encode(availability, forKey: .availability)
            try container.encode(selfEnrollment, forKey: .selfEnrollment)
            try container.encode(privateKind, forKey: .privateKind)
            try container.encode(bookingDeadline, forKey: .bookingDeadline)
            try container.encode(cancellationDeadline, forKey: .cancellationDeadline)
            try container.encode(capacity, forKey: .capacity)
            try container.encode(authorizationRequired, forKey: .authorizationRequired)
            try container.encode(price, forKey: .price)
            try container.encode(candidatesPerProctor, forKey: .candidatesPerProctor)
        }
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/sessions/new", use: new)
        router.post("/sessions/new", use: create)
        router.get("/sessions/:id/edit", use: edit)
        router.post("/sessions/:id/edit", use: update)
    }

    /// Where the form posts and what it is called: a new session, or changes to one.
    struct Mode: Sendable {
        var action: String
        var title: String
        var button: String
        var sessionId: String?

        static let create = Mode(action: "/sessions/new", title: "New session", button: "Create the session", sessionId: nil)
        static func edit(_ id: String) -> Mode {
            Mode(action: "/sessions/\(id)/edit", title: "Change the session", button: "Save the changes", sessionId: id)
        }
    }

    @Sendable func edit(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let id = try SessionPageController.sessionId(context)
        let session: APISessionDetail
        do {
            session = try await client.get(.sessions, "/sessions/\(id)", as: APISessionDetail.self, for: signedIn.account.principal)
        } catch let problem as ServiceProblem where problem.status == 404 {
            throw PageRefusal.notFound("session")
        }
        let zone = session.availability.timeZone
        var values = [
            "name": session.name, "locationId": session.location.id, "start": DisplayTime.localField(session.availability.start, timeZone: zone),
            "end": DisplayTime.localField(session.availability.end, timeZone: zone), "kind": session.selfEnrollment ? "public" : (session.privateKind ?? "individual"),
            "candidatesPerProctor": String(session.candidatesPerProctor), "deliveryPreference": session.deliveryPreference,
            "room": session.room ?? "", "instructions": session.instructions ?? "", "additionalInstructions": session.additionalInstructions ?? "",
            "capacity": session.capacity.map(String.init) ?? "", "priceCurrency": session.price?.currency ?? "CAD",
            "priceAmount": session.price.map { "\($0.amount)" } ?? "",
        ]
        values["bookingDeadline"] = session.bookingDeadline.map { DisplayTime.localField($0, timeZone: zone) } ?? ""
        values["cancellationDeadline"] = session.cancellationDeadline.map { DisplayTime.localField($0, timeZone: zone) } ?? ""
        return try await page(
            FormState(values: values), examCodes: session.examCodes, authorizationRequired: session.authorizationRequired ?? false, signedIn: signedIn,
            mode: .edit(id)
        )
    }

    @Sendable func update(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let id = try SessionPageController.sessionId(context)
        return try await submit(request, context: context, signedIn: signedIn, mode: .edit(id))
    }

    @Sendable func new(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        let state = FormState(values: ["kind": "public", "deliveryPreference": "in-person", "candidatesPerProctor": "16", "priceCurrency": "CAD"])
        return try await page(state, examCodes: [], authorizationRequired: false, signedIn: signedIn, mode: .create)
    }

    @Sendable func create(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        return try await submit(request, context: context, signedIn: signedIn, mode: .create)
    }

    private func submit(_ request: Request, context: ExamHallRequestContext, signedIn: SignedIn, mode: Mode) async throws -> Response {
        let principal = signedIn.account.principal
        let form = try await Form.read(request, context: context)
        try gate.checkForm(form, of: signedIn)
        var state = FormState(values: Dictionary(uniqueKeysWithValues: Self.fieldOrder.map { ($0, form[$0] ?? "") }))
        let examCodes = form.all("examCodes").filter { !$0.isEmpty }
        let authorizationRequired = form["authorizationRequired"] == "yes"
        let location = try await chosenLocation(form["locationId"], for: principal)
        guard let body = Self.request(form, examCodes: examCodes, location: location, state: &state) else {
            return try await page(state, examCodes: examCodes, authorizationRequired: authorizationRequired, signedIn: signedIn, mode: mode)
        }
        do {
            if let id = mode.sessionId {
                let _: APISession = try await client.send(.PATCH, .sessions, "/sessions/\(id)", body: body, for: principal)
                return redirect(to: "/sessions/\(id)?done=changed")
            }
            let created = try await client.post(.sessions, "/sessions", body: body, as: APISession.self, for: principal)
            return redirect(to: "/sessions/\(created.id)?done=created")
        } catch let problem as ServiceProblem where (400..<500).contains(problem.status) && problem.status != 401 && problem.status != 403 && problem.status != 404 {
            state.absorb(problem, field: Self.formField, labels: Self.labels)
            return try await page(state, examCodes: examCodes, authorizationRequired: authorizationRequired, signedIn: signedIn, mode: mode)
        }
    }

    /// The location the form names, or nil when it names none the sessions service knows.
    private func chosenLocation(_ value: String?, for principal: Principal) async throws -> APILocation? {
        guard let id = value.flatMap(UUID.init(uuidString:)) else { return nil }
        do {
            return try await client.get(.sessions, "/locations/\(id.uuidString.lowercased())", as: APILocation.self, for: principal)
        } catch let problem as ServiceProblem where problem.status == 404 {
            return nil
        }
    }

    /// The API request the form describes, or nil with every field the console can judge marked. Rules
    /// that need the catalog (the option matrix, time order) are the service's, and come back as problems.
    static func request(_ form: Form, examCodes: [String], location: APILocation?, state: inout FormState) -> SessionRequest? {
        let name = form.text("name")
        if name == nil { state.fail("name", "Enter a name for the session") }
        if location == nil { state.fail("locationId", "Choose where the session takes place") }
        if examCodes.isEmpty { state.fail("examCodes", "Choose at least one exam") }
        let zone = location?.timeZone ?? "UTC"
        func time(_ field: String, required: Bool, missing: String) -> Date? {
            guard let text = form.text(field) else {
                if required { state.fail(field, missing) }
                return nil
            }
            guard let date = DisplayTime.parseLocal(text, timeZone: zone) else {
                state.fail(field, "Enter a date and time, for example 2026-12-12 09:00")
                return nil
            }
            return date
        }
        func number(_ field: String, what: String) -> Int? {
            guard let text = form.text(field) else { return nil }
            guard let value = Int(text) else {
                state.fail(field, "Enter \(what) as a whole number, for example 12")
                return nil
            }
            return value
        }
        let start = time("start", required: true, missing: "Enter when the session starts")
        let end = time("end", required: true, missing: "Enter when the session ends")
        let kind = form["kind"] ?? "public"
        guard ["public", "individual", "common"].contains(kind) else {
            state.fail("kind", "Choose public, private individual or private common")
            return nil
        }
        let isPublic = kind == "public"
        let candidatesPerProctor = number("candidatesPerProctor", what: "the candidates per proctor")
        var capacity: Int?, bookingDeadline: Date?, cancellationDeadline: Date?, price: SessionRequest.Price?
        if isPublic {
            capacity = number("capacity", what: "the capacity")
            if form.text("capacity") == nil { state.fail("capacity", "Enter how many candidates can book, 1 or more") }
            bookingDeadline = time("bookingDeadline", required: false, missing: "")
            cancellationDeadline = time("cancellationDeadline", required: false, missing: "")
            if let text = form.text("priceAmount") {
                if let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
                    price = .init(amount: amount, currency: (form.text("priceCurrency") ?? "").uppercased())
                } else {
                    state.fail("priceAmount", "Enter the price as a number, for example 150.00, or leave it empty for a free session")
                }
            }
        }
        guard !state.hasErrors, let name, let location, let start, let end else { return nil }
        return SessionRequest(
            locationId: location.id, name: name, examCodes: examCodes, room: form.text("room"),
            instructions: form.text("instructions"), additionalInstructions: form.text("additionalInstructions"),
            deliveryPreference: form.text("deliveryPreference") ?? "in-person",
            availability: .init(start: start, end: end), selfEnrollment: isPublic, privateKind: isPublic ? nil : kind,
            bookingDeadline: bookingDeadline, cancellationDeadline: cancellationDeadline, capacity: capacity,
            authorizationRequired: isPublic ? form["authorizationRequired"] == "yes" : nil, price: price,
            candidatesPerProctor: candidatesPerProctor
        )
    }

    private func page(_ state: FormState, examCodes: [String], authorizationRequired: Bool, signedIn: SignedIn, mode: Mode) async throws -> Response {
        let principal = signedIn.account.principal
        async let locations = client.every(.sessions, "/locations", as: APILocation.self, for: principal)
        async let exams = client.every(.sessions, "/exams", as: APIExam.self, for: principal)
        let chosenLocation = state.value("locationId")
        let kind = state.value("kind").isEmpty ? "public" : state.value("kind")
        let delivery = state.value("deliveryPreference")
        let content = Content(
            form: state.view(order: Self.fieldOrder),
            // A deactivated entry is offered only where the session already uses it.
            locations: try await locations.filter { $0.isActive || $0.id == chosenLocation }.map {
                Choice(value: $0.id, label: "\($0.name) (\($0.timeZone))", selected: $0.id == chosenLocation, id: "location-\($0.id)")
            },
            exams: try await exams.filter { $0.isActive || examCodes.contains($0.code) }.map {
                Choice(value: $0.code, label: "\($0.code) – \($0.title)", selected: examCodes.contains($0.code), id: "exam-\($0.code)")
            },
            kinds: [("public", "Public: candidates book seats themselves"), ("individual", "Private, individual: one exam, candidates added by a CSR"),
                    ("common", "Private, common: several exams, candidates added by a CSR")].map {
                Choice(value: $0.0, label: $0.1, selected: $0.0 == kind, id: "kind-\($0.0)")
            },
            deliveries: [("in-person", "In person"), ("online-live-proctored", "Online, proctored live")].map {
                Choice(value: $0.0, label: $0.1, selected: $0.0 == delivery, id: "delivery-\($0.0)")
            },
            authorizationRequired: authorizationRequired, mode: mode
        )
        return renderer.render(
            "session-form", title: state.hasErrors ? "Error: \(mode.title)" : mode.title, content: content, signedIn: signedIn,
            section: mode.sessionId == nil ? "/sessions/new" : "/calendar", status: state.hasErrors ? .unprocessableContent : .ok
        )
    }
}
