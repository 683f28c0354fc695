import ExamHallModels
import Foundation

/// The UTC date formats emails, calendar events and mail-folder file names use.
extension UTCFields {
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
