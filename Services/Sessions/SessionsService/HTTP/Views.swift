import ExamHallModels
import Foundation
import Hummingbird

// What the sessions API returns. Ids are lowercase UUIDs; times are RFC 3339 in UTC, with the
// location's local time beside them where a person reads them.

struct ExamView: ResponseEncodable, Codable, Equatable {
    var code: String
    var title: String
    var durationMinutes: Int
    var languages: [String]
    var verificationRequired: Bool
    var noShowPolicy: NoShowPolicy
    var active: Bool

    init(_ exam: Exam) {
        code = exam.code
        title = exam.title
        durationMinutes = exam.durationMinutes
        languages = exam.languages
        verificationRequired = exam.verificationRequired
        noShowPolicy = exam.noShowPolicy
        active = exam.active
    }
}

struct LocationView: ResponseEncodable, Codable, Equatable {
    /// A session at the location that has not ended.
    struct UpcomingSession: Codable, Equatable {
        var sessionId: String
        var name: String
        var start: Date
        var end: Date
    }

    var id: String
    var name: String
    var address: String
    var timeZone: String
    var active: Bool
    /// Set by a change: the sessions there that have not ended, which keep the location whatever it becomes.
    var sessions: [UpcomingSession]?

    init(_ location: Location, sessions: [Session]? = nil) {
        id = location.id.uuidString.lowercased()
        name = location.name
        address = location.address
        timeZone = location.timeZone
        active = location.active
        self.sessions = sessions?.map { UpcomingSession(sessionId: $0.snapshot.sessionId, name: $0.name, start: $0.start, end: $0.end) }
    }
}

struct ProctorView: ResponseEncodable, Codable, Equatable {
    struct Assignment: Codable, Equatable {
        var sessionId: String
        var name: String
        var start: Date
        var end: Date
    }

    var id: String
    var name: String
    var email: String
    var active: Bool
    /// On `GET /proctors/{id}`: the sessions still to come (or under way) they are assigned to.
    var assignments: [Assignment]?

    init(_ proctor: Proctor, assignments: [Assignment]? = nil) {
        id = proctor.id.uuidString.lowercased()
        name = proctor.name
        email = proctor.email
        active = proctor.active
        self.assignments = assignments
    }
}

/// A session's time window, in UTC and on the location's clock.
struct TimeWindow: Codable, Equatable {
    var start: Date
    var end: Date
    var localStart: String
    var localEnd: String
    var timeZone: String

    init(start: Date, end: Date, timeZone: String) {
        self.start = start
        self.end = end
        localStart = LocalTime.format(start, timeZone: timeZone)
        localEnd = LocalTime.format(end, timeZone: timeZone)
        self.timeZone = timeZone
    }
}

/// Seats, waitlist and staffing of a session right now.
struct Occupancy: Codable, Equatable {
    var capacity: Int?
    var seatsBooked: Int
    var seatsHeldForPayment: Int
    var seatsLeft: Int?
    var waitlistLength: Int
    var proctorsRequired: Int
    var proctorsAssigned: Int
    var understaffed: Bool

    init(_ session: Session, _ counts: SessionStore.Occupancy) {
        capacity = session.publicSettings?.capacity
        seatsBooked = counts.confirmed
        seatsHeldForPayment = counts.held
        seatsLeft = session.status == .cancelled ? 0 : session.seatsLeft
        waitlistLength = counts.waitlisted
        proctorsRequired = StaffingRules.requiredProctors(confirmed: counts.confirmed, candidatesPerProctor: session.candidatesPerProctor)
        proctorsAssigned = counts.proctorsAssigned
        understaffed = session.status == .scheduled && proctorsAssigned < proctorsRequired
    }
}

struct SessionView: ResponseEncodable, Codable, Equatable {
    var id: String
    var location: LocationView
    var name: String
    var examCodes: [String]
    var room: String?
    var additionalInstructions: String?
    var instructions: String?
    var deliveryPreference: String
    var availability: TimeWindow
    var selfEnrollment: Bool
    var privateKind: PrivateKind?
    var bookingDeadline: Date?
    var cancellationDeadline: Date?
    var capacity: Int?
    var authorizationRequired: Bool?
    var price: Money?
    var candidatesPerProctor: Int
    var status: SessionStatus
    var occupancy: Occupancy?
    var proctors: [ProctorView]?
    var createdAt: Date
    var updatedAt: Date

    init(_ session: Session, occupancy counts: SessionStore.Occupancy? = nil, proctors: [Proctor]? = nil) {
        let settings = session.publicSettings
        id = session.id.uuidString.lowercased()
        location = LocationView(session.location)
        name = session.name
        examCodes = session.examCodes
        room = session.room
        additionalInstructions = session.additionalInstructions
        instructions = session.instructions
        deliveryPreference = session.deliveryPreference
        availability = TimeWindow(start: session.start, end: session.end, timeZone: session.location.timeZone)
        selfEnrollment = settings != nil
        privateKind = session.privateKind
        bookingDeadline = settings?.bookingDeadline
        cancellationDeadline = settings?.cancellationDeadline
        capacity = settings?.capacity
        authorizationRequired = settings?.authorizationRequired
        price = session.price
        candidatesPerProctor = session.candidatesPerProctor
        status = session.status
        occupancy = counts.map { Occupancy(session, $0) }
        self.proctors = proctors.map { $0.map { ProctorView($0) } }
        createdAt = session.createdAt
        updatedAt = session.updatedAt
    }
}

/// One line of the calendar.
struct CalendarEntry: Codable, Equatable {
    var sessionId: String
    var name: String
    var examCodes: [String]
    var locationId: String
    var locationName: String
    var time: TimeWindow
    var selfEnrollment: Bool
    var privateKind: PrivateKind?
    var status: SessionStatus
    var occupancy: Occupancy

    init(_ session: Session, _ counts: SessionStore.Occupancy) {
        sessionId = session.id.uuidString.lowercased()
        name = session.name
        examCodes = session.examCodes
        locationId = session.location.id.uuidString.lowercased()
        locationName = session.location.name
        time = TimeWindow(start: session.start, end: session.end, timeZone: session.location.timeZone)
        selfEnrollment = session.publicSettings != nil
        privateKind = session.privateKind
        status = session.status
        occupancy = Occupancy(session, counts)
    }
}

struct CalendarView: ResponseEncodable, Codable {
    var from: Date
    var to: Date
    var sessions: [CalendarEntry]
    var understaffed: Int
}

struct BookingView: ResponseEncodable, Codable, Equatable {
    var id: String
    var status: BookingStatus
    var sessionId: String
    var candidateId: String
    var examCode: String
    var authorizationId: String?
    var paymentExpiresAt: Date?
    var endReason: String?
    /// 1 for the next to be promoted; only while waitlisted.
    var waitlistPosition: Int?
    /// The candidate's name and email, for staff listing a session's bookings.
    var candidate: CandidateView?
    var createdAt: Date
    var updatedAt: Date

    struct CandidateView: Codable, Equatable {
        var name: String
        var email: String
    }

    init(_ booking: Booking, candidate: CandidateContact? = nil, waitlistPosition: Int? = nil) {
        self.candidate = candidate.map { CandidateView(name: $0.name, email: $0.email) }
        self.waitlistPosition = waitlistPosition
        id = booking.id.uuidString.lowercased()
        status = booking.status
        sessionId = booking.sessionId.uuidString.lowercased()
        candidateId = booking.candidateId
        examCode = booking.examCode
        authorizationId = booking.authorizationId?.uuidString.lowercased()
        paymentExpiresAt = booking.paymentExpiresAt
        endReason = booking.endReason
        createdAt = booking.createdAt
        updatedAt = booking.updatedAt
    }
}

/// `GET /sessions`: one page, and how many sessions match in all.
struct SessionPage: ResponseEncodable, Codable, Sendable {
    var items: [SessionView]
    var total: Int
    var limit: Int
    var offset: Int
}

/// A list answer: one page, and how many match in all. The catalog lists (exams, locations, proctors)
/// are answered whole.
struct Page<Item: Codable & Sendable>: ResponseEncodable, Codable, Sendable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}
