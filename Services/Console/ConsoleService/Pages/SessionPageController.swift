import ExamHallServiceKit
import Foundation
import Hummingbird

/// `GET /sessions/{id}`: the CSR's workbench for one session.
struct SessionPageController: Sendable {
    let gate: SignInGate
    let renderer: PageRenderer
    let client: ServiceClient

    struct Content: Sendable {
        var name: String
        var created: Bool
        var details: [Detail]
        var proctors: [String]
        var hasProctors: Bool
        var cancelled: Bool
    }

    struct Detail: Sendable {
        var label: String
        var value: String
    }

    func add(to router: Router<ExamHallRequestContext>) {
        router.get("/sessions/:id", use: show)
    }

    @Sendable func show(_ request: Request, context: ExamHallRequestContext) async throws -> Response {
        let signedIn = try await gate.require(request, .admin, .csr)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw PageRefusal.notFound("session") }
        let session: APISessionDetail
        do {
            session = try await client.get(.sessions, "/sessions/\(id.uuidString.lowercased())", as: APISessionDetail.self, for: signedIn.account.principal)
        } catch let problem as ServiceProblem where problem.status == 404 {
            throw PageRefusal.notFound("session")
        }
        let zone = session.availability.timeZone
        var details = [
            Detail(label: "When", value: DisplayTime.dayAndTimeRange(session.availability.start, session.availability.end, timeZone: zone)),
            Detail(label: "Where", value: "\(session.location.name), \(session.location.address)\(session.room.map { ", room \($0)" } ?? "")"),
            Detail(label: "Exams", value: session.examCodes.joined(separator: ", ")),
            Detail(label: "Kind", value: session.selfEnrollment ? "Public" : "Private, \(session.privateKind ?? "individual")"),
            Detail(label: "Delivery", value: session.deliveryPreference),
            Detail(label: "Status", value: session.status.capitalized),
        ]
        if let occupancy = session.occupancy {
            if let capacity = occupancy.capacity {
                details.append(Detail(label: "Seats", value: "\(occupancy.seatsBooked) of \(capacity) booked, \(occupancy.seatsLeft ?? 0) left"))
            } else {
                details.append(Detail(label: "Candidates", value: "\(occupancy.seatsBooked)"))
            }
            details.append(Detail(label: "Waitlist", value: "\(occupancy.waitlistLength)"))
            details.append(Detail(
                label: "Proctors", value: "\(occupancy.proctorsAssigned) of \(occupancy.proctorsRequired) required\(occupancy.understaffed ? " (understaffed)" : "")"
            ))
        }
        if let deadline = session.bookingDeadline { details.append(Detail(label: "Booking deadline", value: DisplayTime.dateAndTime(deadline, timeZone: zone))) }
        if let deadline = session.cancellationDeadline { details.append(Detail(label: "Cancellation deadline", value: DisplayTime.dateAndTime(deadline, timeZone: zone))) }
        if let required = session.authorizationRequired { details.append(Detail(label: "Authorization required", value: required ? "Yes" : "No")) }
        let proctors = (session.proctors ?? []).map(\.name)
        let content = Content(
            name: session.name, created: request.uri.queryParameters.get("created") != nil, details: details,
            proctors: proctors, hasProctors: !proctors.isEmpty, cancelled: session.status == "cancelled"
        )
        return renderer.render("session", title: session.name, content: content, signedIn: signedIn, section: "/calendar")
    }
}
