import Foundation

// What the console reads from the services' responses: only the fields its pages show. Unknown fields
// are ignored, so a service may add fields without breaking the console.

struct APILocation: Decodable, Sendable {
    struct UpcomingSession: Decodable, Sendable {
        var sessionId: String
        var name: String
    }

    var id: String
    var name: String
    var address: String
    var timeZone: String
    var active: Bool?
    /// In the answer to a change: the sessions there that have not ended.
    var sessions: [UpcomingSession]?

    /// A deactivated location takes no new session.
    var isActive: Bool { active ?? true }
}

struct APIExam: Decodable, Sendable {
    var code: String
    var title: String
    var durationMinutes: Int
    var languages: [String]?
    var verificationRequired: Bool?
    var noShowPolicy: String?
    var active: Bool?

    /// A deactivated exam is offered by no new session.
    var isActive: Bool { active ?? true }
}

struct APITimeWindow: Decodable, Sendable {
    var start: Date
    var end: Date
    var timeZone: String
}

struct APIOccupancy: Decodable, Sendable {
    var capacity: Int?
    var seatsBooked: Int
    var seatsHeldForPayment: Int
    var seatsLeft: Int?
    var waitlistLength: Int
    var proctorsRequired: Int
    var proctorsAssigned: Int
    var understaffed: Bool
}

struct APICalendar: Decodable, Sendable {
    struct Entry: Decodable, Sendable {
        var sessionId: String
        var name: String
        var examCodes: [String]
        var locationId: String
        var locationName: String
        var time: APITimeWindow
        var selfEnrollment: Bool
        var privateKind: String?
        var status: String
        var occupancy: APIOccupancy
    }
    var sessions: [Entry]
    var understaffed: Int
}

struct APISession: Decodable, Sendable {
    var id: String
    var name: String
}

/// A list answer: `{"items": [...]}`.
struct APIList<Item: Decodable & Sendable>: Decodable, Sendable {
    var items: [Item]
    /// How many match in all, beyond this page.
    var total: Int?
}

struct APISessionDetail: Decodable, Sendable {
    struct Proctor: Decodable, Sendable {
        var id: String
        var name: String
    }
    var id: String
    var name: String
    var location: APILocation
    var examCodes: [String]
    var room: String?
    var instructions: String?
    var additionalInstructions: String?
    var deliveryPreference: String
    var availability: APITimeWindow
    var selfEnrollment: Bool
    var privateKind: String?
    var bookingDeadline: Date?
    var cancellationDeadline: Date?
    var capacity: Int?
    var authorizationRequired: Bool?
    var price: APIMoney?
    var candidatesPerProctor: Int
    var status: String
    var occupancy: APIOccupancy?
    var proctors: [Proctor]?
}

struct APIBooking: Decodable, Sendable {
    struct Candidate: Decodable, Sendable {
        var name: String
        var email: String
    }
    var id: String
    var status: String
    var sessionId: String
    var candidateId: String
    var examCode: String
    var authorizationId: String?
    var paymentExpiresAt: Date?
    var waitlistPosition: Int?
    var candidate: Candidate?

    /// "Ada Lovelace (ada@example.org)" for staff; the candidate's id when their contact is unknown.
    var candidateLabel: String { candidate.map { "\($0.name) (\($0.email))" } ?? candidateId }
}

/// `GET/PATCH /proctors/{id}`: the proctor with the sessions still to come they are assigned to.
struct APIProctorDetail: Decodable, Sendable {
    struct Assignment: Decodable, Sendable {
        var sessionId: String
        var name: String
    }
    var name: String
    var email: String
    var active: Bool
    var assignments: [Assignment]?
}

struct APIProctor: Decodable, Sendable {
    var id: String
    var name: String
    var email: String
    var active: Bool?

    /// Deactivated proctors get no new session.
    var isActive: Bool { active ?? true }
}

struct APIAuthorization: Decodable, Sendable {
    struct Candidate: Decodable, Sendable {
        var name: String
        var email: String
    }
    struct Change: Decodable, Sendable {
        var from: String?
        var to: String
        var reason: String
        var actor: String
        var at: Date
    }
    var id: String
    var purchaseId: String
    var candidateId: String
    var examCode: String
    var status: String
    var validUntil: Date?
    var bookingId: String?
    var sessionId: String?
    var inactivationReason: String?
    var createdAt: Date
    var candidate: Candidate?
    var history: [Change]?
}

struct APIAuthorizationList: Decodable, Sendable {
    var items: [APIAuthorization]
    var total: Int
}

struct APIAttempt: Decodable, Sendable {
    /// Read here, and sent back as a whole when a proctor changes it.
    struct Report: Codable, Sendable {
        struct Incident: Codable, Sendable {
            var at: Date
            var category: String
            var description: String
        }
        var incidents: [Incident]
        var notes: String?
        var rating: Int
    }
    struct AuditLine: Decodable, Sendable {
        var action: String
        var actor: String
        var detail: String?
        var at: Date
    }
    var id: String
    var bookingId: String
    var sessionId: String
    var candidateId: String
    var candidateName: String?
    var examCode: String
    var authorizationId: String?
    var status: String
    var startedAt: Date?
    var finishedAt: Date?
    var score: Double?
    var maxScore: Double?
    var passed: Bool?
    var verdict: String?
    var verdictComment: String?
    var verifiedBy: String?
    var verifiedAt: Date?
    var report: Report?
    var audit: [AuditLine]?
}

struct APITemplateSummary: Decodable, Sendable {
    var kind: String
    var language: String
    var source: String
    var version: Int?
    var updatedAt: Date?
    var updatedBy: String?
}

struct APITemplateList: Decodable, Sendable {
    var items: [APITemplateSummary]
    var defaultLanguage: String
}

struct APITemplate: Decodable, Sendable {
    struct Version: Decodable, Sendable {
        var version: Int
        var subject: String
        var editedAt: Date
        var editedBy: String
    }
    var kind: String
    var language: String
    var source: String
    var version: Int?
    var subject: String
    var text: String
    var html: String
    var variables: [String]
    var history: [Version]
}

struct APITemplatePreview: Decodable, Sendable {
    var subject: String
    var text: String
    var html: String
}

struct APIExports: Decodable, Sendable {
    struct Line: Decodable, Sendable {
        var attemptId: String
        var messageId: String
        var state: String
        var verifiedAt: Date?
        var exportedAt: Date?
        var confirmedAt: Date?
    }
    var items: [Line]
    var counts: [String: Int]
}

struct APIMoney: Decodable, Sendable {
    var amount: Decimal
    var currency: String
}

/// `GET /sessions/{id}/history` and `GET /bookings/{id}/history`: each change with the values before
/// and after, read as text for people.
struct APIHistory: Decodable, Sendable {
    struct Line: Decodable, Sendable {
        var at: Date
        var actor: String
        var change: String
        var before: [String: Value]?
        var after: [String: Value]
    }

    /// A JSON value, as a person reads it.
    struct Value: Decodable, Sendable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { text = "none" }
            else if let string = try? container.decode(String.self) { text = string }
            else if let bool = try? container.decode(Bool.self) { text = bool ? "yes" : "no" }
            else if let number = try? container.decode(Double.self) { text = number.rounded() == number ? String(Int(number)) : String(number) }
            else if let list = try? container.decode([Value].self) { text = list.map(\.text).joined(separator: ", ") }
            else if let object = try? container.decode([String: Value].self) { text = object.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.text)" }.joined(separator: ", ") }
            else { text = "?" }
        }
    }

    var items: [Line]
}
