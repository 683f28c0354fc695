import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Calendar fields of an instant in UTC, without a Calendar or a formatter (both costly per email).
struct UTCTime {
    let year, month, day, hour, minute, second, millisecond, weekday: Int

    init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var time = time_t(seconds)
        var fields = tm()
        gmtime_r(&time, &fields)
        year = Int(fields.tm_year) + 1900
        month = Int(fields.tm_mon) + 1
        day = Int(fields.tm_mday)
        hour = Int(fields.tm_hour)
        minute = Int(fields.tm_min)
        second = Int(fields.tm_sec)
        weekday = Int(fields.tm_wday)
        millisecond = min(Int(((date.timeIntervalSince1970 - seconds) * 1000).rounded(.down)), 999)
    }

    /// `Mon, 30 Nov 2026 09:00:00 +0000` (RFC 5322 §3.3).
    var rfc5322: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d +0000", days[weekday], day, months[month - 1], year, hour, minute, second)
    }

    /// `20261130T090000Z` (RFC 5545 UTC date-time).
    var iCalendar: String { String(format: "%04d%02d%02dT%02d%02d%02dZ", year, month, day, hour, minute, second) }

    /// `20261130-090000.123`: sortable, for file names.
    var fileStamp: String { String(format: "%04d%02d%02d-%02d%02d%02d.%03d", year, month, day, hour, minute, second, millisecond) }
}
