import ExamHallMail

/// What an email is about. Each kind has its own template per language and its own set of variables;
/// a template may use only those (checked when a CSR saves it).
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    case bookingConfirmed = "booking-confirmed"
    case waitlistJoined = "waitlist-joined"
    case waitlistPromoted = "waitlist-promoted"
    case bookingCancelled = "booking-cancelled"
    case bookingTransferred = "booking-transferred"
    case bookingRejected = "booking-rejected"
    case paymentRequested = "payment-requested"
    case paymentExpired = "payment-expired"
    case sessionChanged = "session-changed"
    case sessionCancelled = "session-cancelled"
    /// The booking was cancelled because its authorization expired before the session.
    case authorizationExpired = "authorization-expired"
    case reminder
    case resultAvailable = "result-available"

    /// The session's details, as every session-related email may show them.
    static let sessionVariables: [String] = [
        "candidateName", "examCode", "bookingId", "sessionName", "locationName", "address", "room", "deliveryPreference",
        "startDate", "startTime", "endTime", "timeZone", "utcOffset", "instructions", "additionalInstructions",
    ]

    /// The variables a template of this kind may use.
    public var variables: [String] {
        switch self {
        case .bookingConfirmed, .waitlistPromoted, .waitlistJoined: Self.sessionVariables
        case .bookingCancelled, .sessionCancelled, .bookingRejected: Self.sessionVariables + ["reason"]
        case .bookingTransferred: Self.sessionVariables + ["rescheduled", "previousSessionName", "previousStartDate", "previousStartTime"]
        case .sessionChanged: Self.sessionVariables + ["previousStartDate", "previousStartTime"]
        case .paymentRequested: Self.sessionVariables + ["amount", "currency", "paymentDeadlineDate", "paymentDeadlineTime"]
        case .paymentExpired, .authorizationExpired: Self.sessionVariables
        case .reminder: Self.sessionVariables + ["hoursBefore"]
        case .resultAvailable: ["candidateName", "examCode", "bookingId", "positive", "negative"]
        }
    }

    /// Whether the email carries the booking's calendar event, and how.
    public var invite: InviteMethod? {
        switch self {
        case .bookingConfirmed, .waitlistPromoted, .bookingTransferred, .sessionChanged: .request
        case .bookingCancelled, .sessionCancelled, .authorizationExpired: .cancel
        default: nil
        }
    }

    /// Example values for previews and for checking that a template renders.
    public var sampleVariables: [String: TemplateValue] {
        var sample: [String: TemplateValue] = [
            "candidateName": "Ada Lovelace", "examCode": "CLOUD-101", "bookingId": "5b0f3c1e-8a51-4b8e-9d0a-6a1f2f4b9c11",
            "sessionName": "Cloud Foundations — morning", "locationName": "London Bridge Test Centre", "address": "1 Tooley St, London",
            "room": "Room 2", "deliveryPreference": "in-person", "startDate": "Monday, 1 March 2027", "startTime": "09:00", "endTime": "12:00",
            "timeZone": "Europe/London", "utcOffset": "+00:00", "instructions": "Bring a photo ID.", "additionalInstructions": "Arrive 15 minutes early.",
            "reason": "requested by the candidate", "rescheduled": true, "previousSessionName": "Cloud Foundations — evening",
            "previousStartDate": "Friday, 26 February 2027", "previousStartTime": "18:00", "amount": "150.00", "currency": "GBP",
            "paymentDeadlineDate": "Monday, 22 February 2027", "paymentDeadlineTime": "10:30", "hoursBefore": "24", "positive": true, "negative": false,
        ]
        sample = sample.filter { variables.contains($0.key) }
        return sample
    }
}

/// A value a template can show: text, or a flag for `{{#name}}…{{/name}}` sections.
public enum TemplateValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case text(String)
    case flag(Bool)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .flag(value) }
}
