import ExamHallModels
import Foundation

/// The UTC date formats emails, calendar events and mail-folder file names use.
extension UTCFields {
    /// `Mon, 30 Nov 2026 09:00:00 +0000` (RFC 5322 §3.3).
    public var rfc5322: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[weekday]), \(day.zeroPadded(2)) \(months[month - 1]) \(year.zeroPadded(4)) \(hour.zeroPadded(2)):\(minute.zeroPadded(2)):\(second.zeroPadded(2)) +0000"
    }

    /// `20261130T090000Z` (RFC 5545 UTC date-time).
    public var iCalendar: String { "\(year.zeroPadded(4))\(month.zeroPadded(2))\(day.zeroPadded(2))T\(hour.zeroPadded(2))\(minute.zeroPadded(2))\(second.zeroPadded(2))Z" }

    /// `20261130-090000.123`: sortable, for file names.
    public var fileStamp: String {
        "\(year.zeroPadded(4))\(month.zeroPadded(2))\(day.zeroPadded(2))-\(hour.zeroPadded(2))\(minute.zeroPadded(2))\(second.zeroPadded(2)).\(millisecond.zeroPadded(3))"
    }
}
