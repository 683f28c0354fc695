import ExamHallModels
import Foundation

/// An exam in the catalog.
public struct Exam: Sendable, Equatable, Codable {
    public var code: String
    public var title: String
    public var durationMinutes: Int
    public var languages: [String]
    /// False: finished attempts are verified by the system, without a CSR.
    public var verificationRequired: Bool
    public var noShowPolicy: NoShowPolicy
    /// A deactivated exam stays on the sessions that already offer it; no new session offers it.
    public var active: Bool = true
}

/// A testing location; session times are shown in its time zone.
public struct Location: Sendable, Equatable, Codable {
    public var id: UUID
    public var name: String
    public var address: String
    public var timeZone: String
    /// A deactivated location keeps its sessions; no new session is placed there.
    public var active: Bool = true
}

/// How candidates get into a session.
public enum Enrollment: Sendable, Equatable {
    /// Self-enrollment on: a public session for one exam, with deadlines, capacity and optionally an authorization.
    case selfEnrollment(PublicSettings)
    /// Self-enrollment off: only a CSR adds candidates.
    case privateSession(PrivateKind)
}

public struct PublicSettings: Sendable, Equatable {
    public var bookingDeadline: Date
    public var cancellationDeadline: Date
    public var capacity: Int
    public var authorizationRequired: Bool
}

public enum PrivateKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// Every candidate takes the session's one exam (e.g. 1-on-1).
    case individual
    /// Candidates take different exams.
    case common
}

public enum SessionStatus: String, Sendable, Equatable, Codable, CaseIterable {
    case scheduled, cancelled
}

/// A testing session as the sessions service owns it.
public struct Session: Sendable, Equatable {
    public var id: UUID
    public var location: Location
    public var name: String
    public var examCodes: [String]
    public var room: String?
    public var additionalInstructions: String?
    public var instructions: String?
    public var deliveryPreference: String
    public var start: Date
    public var end: Date
    public var enrollment: Enrollment
    public var price: Money?
    public var candidatesPerProctor: Int
    public var status: SessionStatus
    /// Confirmed bookings plus seats held for payment.
    public var seatsTaken: Int
    public var createdAt: Date
    public var updatedAt: Date

    public var publicSettings: PublicSettings? {
        if case let .selfEnrollment(settings) = enrollment { return settings }
        return nil
    }

    public var privateKind: PrivateKind? {
        if case let .privateSession(kind) = enrollment { return kind }
        return nil
    }

    public var isFree: Bool { price == nil }

    /// Seats left in a public session; private sessions have no capacity.
    public var seatsLeft: Int? { publicSettings.map { max(0, $0.capacity - seatsTaken) } }

    public var snapshot: SessionSnapshot {
        SessionSnapshot(
            sessionId: id.uuidString.lowercased(), name: name, examCodes: examCodes, locationId: location.id.uuidString.lowercased(),
            locationName: location.name, address: location.address, timeZone: location.timeZone, room: room,
            deliveryPreference: deliveryPreference, start: start, end: end, instructions: instructions,
            additionalInstructions: additionalInstructions
        )
    }
}

/// A proctor in the registry.
public struct Proctor: Sendable, Equatable, Codable {
    public var id: UUID
    public var name: String
    public var email: String
    /// A deactivated proctor keeps their past assignments but gets no new ones.
    public var active: Bool = true
}

/// How sessions are asked for by their enrollment: public, or private of either kind.
public enum EnrollmentKind: String, Sendable, CaseIterable {
    case `public`
    case privateIndividual = "private-individual"
    case privateCommon = "private-common"
}

/// The order of a list of sessions: the soonest first (the calendar's), or the newest created first.
public enum SessionOrder: String, Sendable, CaseIterable {
    case soonest, newest
}
