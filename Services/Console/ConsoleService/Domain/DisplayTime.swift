import Foundation

/// Times written out for people, on the clock of the place they happen:
/// "Saturday 12 December 2026, 09:00 (Europe/London, UTC+0)", or in French "samedi 12 décembre 2026,
/// 09:00 (Europe/Paris, UTC+1)". Never raw RFC 3339.
public enum DisplayTime {
    public static func dateAndTime(_ date: Date, timeZone identifier: String, language: CandidateLanguage = .en) -> String {
        let zone = TimeZone(identifier: identifier) ?? .gmt
        return "\(format(date, "EEEE d MMMM yyyy, HH:mm", zone, language)) (\(identifier), \(offset(date, zone)))"
    }

    /// "09:00–12:00 (Europe/Paris, UTC+1)" for a window within one day.
    public static func timeRange(_ start: Date, _ end: Date, timeZone identifier: String) -> String {
        let zone = TimeZone(identifier: identifier) ?? .gmt
        return "\(format(start, "HH:mm", zone))–\(format(end, "HH:mm", zone)) (\(identifier), \(offset(start, zone)))"
    }

    /// "Saturday 12 December 2026, 09:00–12:00 (Europe/London, UTC+0)"; a window across midnight
    /// writes out both ends.
    public static func dayAndTimeRange(_ start: Date, _ end: Date, timeZone identifier: String, language: CandidateLanguage = .en) -> String {
        let zone = TimeZone(identifier: identifier) ?? .gmt
        guard dayKey(start, timeZone: zone) == dayKey(end, timeZone: zone) else {
            let to = language == .fr ? "au" : "to"
            return "\(format(start, "EEEE d MMMM yyyy, HH:mm", zone, language)) \(to) \(dateAndTime(end, timeZone: identifier, language: language))"
        }
        return "\(format(start, "EEEE d MMMM yyyy", zone, language)), \(timeRange(start, end, timeZone: identifier))"
    }

    /// "09:41" on the place's clock, for moments within a day already written out.
    public static func timeOfDay(_ date: Date, timeZone identifier: String) -> String {
        format(date, "HH:mm", TimeZone(identifier: identifier) ?? .gmt)
    }

    /// "Monday 7 December 2026"
    public static func day(_ date: Date, timeZone zone: TimeZone, language: CandidateLanguage = .en) -> String {
        format(date, "EEEE d MMMM yyyy", zone, language)
    }

    /// The calendar day (yyyy-MM-dd) a moment falls on, on the given clock.
    public static func dayKey(_ date: Date, timeZone zone: TimeZone) -> String {
        format(date, "yyyy-MM-dd", zone)
    }

    public static func offset(_ date: Date, _ zone: TimeZone) -> String {
        let seconds = zone.secondsFromGMT(for: date)
        let sign = seconds < 0 ? "-" : "+"
        let hours = abs(seconds) / 3600, minutes = abs(seconds) % 3600 / 60
        return minutes == 0 ? "UTC\(sign)\(hours)" : String(format: "UTC%@%d:%02d", sign, hours, minutes)
    }

    private static func format(_ date: Date, _ pattern: String, _ zone: TimeZone, _ language: CandidateLanguage = .en) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == .fr ? "fr_FR" : "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    /// A `datetime-local` field's value ("2026-12-12T09:00") read on the given clock.
    public static func parseLocal(_ text: String, timeZone identifier: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: identifier)
        for pattern in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// A moment as a `datetime-local` field shows it on the given clock.
    public static func localField(_ date: Date, timeZone identifier: String) -> String {
        format(date, "yyyy-MM-dd'T'HH:mm", TimeZone(identifier: identifier) ?? .gmt)
    }
}
