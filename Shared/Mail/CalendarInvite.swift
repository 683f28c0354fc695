import ExamHallModels
import Foundation

/// The booking as an iCalendar event (RFC 5545) with an iTIP method (RFC 5546). Its UID is the
/// booking's, so every later email about the booking updates the same event in the candidate's
/// calendar: a higher SEQUENCE for a change, METHOD:CANCEL for a cancellation. Without a method it is a
/// plain event to save, as the console's "Add to my calendar" downloads.
public struct CalendarInvite: Sendable, Equatable, Codable {
    public var method: InviteMethod?
    public var bookingId: String
    public var sequence: Int
    public var start: Date
    public var end: Date
    public var summary: String
    public var location: String
    public var description: String
    public var organizerEmail: String
    public var attendeeName: String
    public var attendeeEmail: String
    public var stamp: Date

    public init(
        method: InviteMethod?, bookingId: String, sequence: Int, start: Date, end: Date, summary: String, location: String, description: String,
        organizerEmail: String, attendeeName: String, attendeeEmail: String, stamp: Date
    ) {
        self.method = method
        self.bookingId = bookingId
        self.sequence = sequence
        self.start = start
        self.end = end
        self.summary = summary
        self.location = location
        self.description = description
        self.organizerEmail = organizerEmail
        self.attendeeName = attendeeName
        self.attendeeEmail = attendeeEmail
        self.stamp = stamp
    }

    public var uid: String { "booking-\(bookingId)@examhall" }

    /// The `.ics` text, CRLF line ends, lines folded at 75 octets.
    public func render() -> String {
        let lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//ExamHall//Notifications//EN",
            "CALSCALE:GREGORIAN",
        ] + (method.map { ["METHOD:\($0.rawValue)"] } ?? []) + [
            "BEGIN:VEVENT",
            "UID:\(uid)",
            "SEQUENCE:\(sequence)",
            "DTSTAMP:\(Self.utc(stamp))",
            "DTSTART:\(Self.utc(start))",
            "DTEND:\(Self.utc(end))",
            "SUMMARY:\(Self.escape(summary))",
            "LOCATION:\(Self.escape(location))",
            "DESCRIPTION:\(Self.escape(description))",
            "STATUS:\(method == .cancel ? "CANCELLED" : "CONFIRMED")",
            "ORGANIZER;CN=ExamHall:mailto:\(organizerEmail)",
            "ATTENDEE;CN=\(Self.quoteParameter(attendeeName));ROLE=REQ-PARTICIPANT:mailto:\(attendeeEmail)",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    static func utc(_ date: Date) -> String { UTCFields(date).iCalendar }

    /// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11).
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { [UInt8(ascii: "\\"), UInt8(ascii: ";"), UInt8(ascii: ","), 10, 13].contains($0) }) else { return text }
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n", "\r\n": escaped += "\\n"
            case "\r": continue
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Parameter values with a colon, semicolon or comma are quoted; a quote cannot appear at all.
    static func quoteParameter(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\"", with: "'")
        return clean.contains(where: { ":;,".contains($0) }) ? "\"\(clean)\"" : clean
    }

    /// Lines longer than 75 octets continue on the next line after a space, never inside a character.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var folded = ""
        var width = 0
        for scalar in line.unicodeScalars {
            let size = UTF8.width(scalar)
            if width + size > 75 {
                folded += "\r\n "
                width = 1
            }
            folded.unicodeScalars.append(scalar)
            width += size
        }
        return folded
    }
}
