import ExamHallModels
import Foundation
import Synchronization

/// Who an email goes to: the projection of a candidate's contact details.
public struct Contact: Sendable, Equatable, Codable {
    public var candidateId: String
    public var name: String
    public var email: String
    public var language: String
    public var timeZone: String

    public init(candidateId: String, name: String, email: String, language: String, timeZone: String) {
        self.candidateId = candidateId
        self.name = name
        self.email = email
        self.language = language
        self.timeZone = timeZone
    }

    public init(candidateId: String, _ contact: CandidateContact) {
        self.init(candidateId: candidateId, name: contact.name, email: contact.email, language: contact.language, timeZone: contact.timeZone)
    }
}

/// Builds the values templates show, in the candidate's language and time zone. Pure: no I/O.
public enum TemplateVariables {
    /// The language whose template is used: the candidate's if there is one for it (`fr-CA` → `fr`),
    /// otherwise the configured default.
    public static func language(for requested: String, available: Set<String>, default fallback: String) -> String {
        let lowered = requested.lowercased()
        if available.contains(lowered) { return lowered }
        let base = String(lowered.prefix { $0 != "-" && $0 != "_" })
        return available.contains(base) ? base : fallback
    }

    /// Dates in full ("Monday, 1 March 2027" / "lundi 1 mars 2027") and times as the language writes them.
    public static func date(_ instant: Date, language: String, timeZone: TimeZone) -> String {
        format(instant, language: language, timeZone: timeZone, date: .full, time: .none)
    }

    public static func time(_ instant: Date, language: String, timeZone: TimeZone) -> String {
        format(instant, language: language, timeZone: timeZone, date: .none, time: .short)
    }

    /// The session part of every session email, shown in the candidate's time zone (the session's
    /// location's when the candidate's is unknown or invalid).
    public static func session(_ session: SessionSnapshot, examCode: String, bookingId: String, contact: Contact, language: String) -> [String: TemplateValue] {
        let zone = TimeZone(identifier: contact.timeZone) ?? TimeZone(identifier: session.timeZone) ?? .gmt
        var values: [String: TemplateValue] = [
            "candidateName": .text(contact.name), "examCode": .text(examCode), "bookingId": .text(bookingId),
            "sessionName": .text(session.name), "locationName": .text(session.locationName), "address": .text(session.address),
            "deliveryPreference": .text(session.deliveryPreference),
            "startDate": .text(date(session.start, language: language, timeZone: zone)),
            "startTime": .text(time(session.start, language: language, timeZone: zone)),
            "endTime": .text(time(session.end, language: language, timeZone: zone)),
            "timeZone": .text(zone.identifier), "utcOffset": .text(zone.rfc3339Offset(at: session.start)),
        ]
        values["room"] = nonEmpty(session.room)
        values["instructions"] = nonEmpty(session.instructions)
        values["additionalInstructions"] = nonEmpty(session.additionalInstructions)
        return values
    }

    /// Only the candidate's name and the booking, for emails about a booking whose session is unknown here.
    public static func bookingOnly(examCode: String, bookingId: String, contact: Contact) -> [String: TemplateValue] {
        var values: [String: TemplateValue] = ["candidateName": .text(contact.name), "bookingId": .text(bookingId)]
        values["examCode"] = nonEmpty(examCode)
        return values
    }

    /// Empty text renders a `{{#name}}` section as if the value were there; leave it out instead.
    public static func nonEmpty(_ text: String?) -> TemplateValue? {
        guard let text, !text.isBlank else { return nil }
        return .text(text)
    }

    /// Formatters are costly to make and there are few combinations: one each, used under the lock
    /// (a formatter is not to be shared between threads).
    private static func format(_ instant: Date, language: String, timeZone: TimeZone, date: DateFormatter.Style, time: DateFormatter.Style) -> String {
        let key = "\(language)|\(timeZone.identifier)|\(date.rawValue)|\(time.rawValue)"
        return formatters.withLock { cache in
            if let formatter = cache[key] { return formatter.string(from: instant) }
            if cache.count > 1000 { cache.removeAll() }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: language == "en" ? "en_GB" : language)
            formatter.timeZone = timeZone
            formatter.dateStyle = date
            formatter.timeStyle = time
            cache[key] = formatter
            return formatter.string(from: instant)
        }
    }

    private static let formatters = Mutex<[String: DateFormatter]>([:])
}
