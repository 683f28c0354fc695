import Foundation

/// The calendar fields of an instant in UTC, to the millisecond, computed by hand: formatting dates is
/// on the hot path of every event and email, where Calendar and DateFormatter cost more than the rest.
public struct UTCFields: Sendable, Equatable {
    public let year, month, day, hour, minute, second, millisecond: Int
    /// 0 is Sunday.
    public let weekday: Int

    public init(_ date: Date) {
        // Through whole microseconds first, so that a time parsed from ".123" (stored as .12299999…) reads as .123.
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let totalMillis = totalMicros >= 0 ? totalMicros / 1000 : (totalMicros - 999) / 1000
        var seconds = totalMillis / 1000
        var millis = totalMillis % 1000
        if millis < 0 { millis += 1000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        hour = Int(secondOfDay / 3600)
        minute = Int(secondOfDay % 3600 / 60)
        second = Int(secondOfDay % 60)
        millisecond = Int(millis)
        // 1970-01-01 was a Thursday.
        weekday = Int(((days % 7) + 11) % 7)
    }
}

extension TimeZone {
    /// This zone's offset from UTC at `instant`, as RFC 3339 writes it: "+01:00" for Paris in winter,
    /// "+02:00" in summer, "-05:00" for New York in winter.
    public func rfc3339Offset(at instant: Date) -> String {
        let seconds = secondsFromGMT(for: instant)
        let sign = seconds < 0 ? "-" : "+"
        return "\(sign)\((abs(seconds) / 3600).zeroPadded(2)):\((abs(seconds) % 3600 / 60).zeroPadded(2))"
    }
}
