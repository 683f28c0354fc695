import ExamHallModels
import Foundation

/// An email as it goes over SMTP or into an `.eml` file (RFC 5322 with MIME): a text and an HTML
/// alternative and, for booking emails, the calendar event both inline (for mail clients that offer
/// Accept/Decline) and as an `invite.ics` attachment.
public struct MailMessage: Sendable, Equatable {
    public var messageId: String
    public var from: String
    public var fromName: String
    public var to: String
    public var toName: String
    public var subject: String
    public var date: Date
    public var text: String
    public var html: String
    public var calendar: (method: InviteMethod, ics: String)?

    public static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.messageId == rhs.messageId && lhs.render() == rhs.render()
    }

    public init(
        messageId: String, from: String, fromName: String, to: String, toName: String, subject: String, date: Date, text: String, html: String,
        calendar: (method: InviteMethod, ics: String)?
    ) {
        self.messageId = messageId
        self.from = from
        self.fromName = fromName
        self.to = to
        self.toName = toName
        self.subject = subject
        self.date = date
        self.text = text
        self.html = html
        self.calendar = calendar
    }

    /// The whole message, CRLF line ends. Boundaries derive from the message id, so the same email
    /// always renders to the same bytes.
    public func render() -> String {
        let alphanumeric = messageId.utf8.filter { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }.prefix(40)
        let boundary = "examhall-" + String(decoding: alphanumeric, as: UTF8.self)
        var lines = [
            "Message-ID: <\(messageId)>",
            "Date: \(Self.rfc5322(date))",
            "From: \(Self.mailbox(fromName, from))",
            "To: \(Self.mailbox(toName, to))",
            "Subject: \(Self.encodedWord(subject))",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        let alternative = [
            "--\(boundary)-alt",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            Self.quotedPrintable(text),
            "--\(boundary)-alt",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            Self.quotedPrintable(html),
        ]
        if let calendar {
            let ics = Self.base64Lines(Data(calendar.ics.utf8))
            lines += [
                "Content-Type: multipart/mixed; boundary=\"\(boundary)-mixed\"",
                "",
                "--\(boundary)-mixed",
                "Content-Type: multipart/alternative; boundary=\"\(boundary)-alt\"",
                "",
            ] + alternative + [
                "--\(boundary)-alt",
                "Content-Type: text/calendar; charset=utf-8; method=\(calendar.method.rawValue)",
                "Content-Transfer-Encoding: base64",
                "",
                ics,
                "--\(boundary)-alt--",
                "--\(boundary)-mixed",
                "Content-Type: application/ics; name=\"invite.ics\"",
                "Content-Disposition: attachment; filename=\"invite.ics\"",
                "Content-Transfer-Encoding: base64",
                "",
                ics,
                "--\(boundary)-mixed--",
            ]
        } else {
            lines += ["Content-Type: multipart/alternative; boundary=\"\(boundary)-alt\"", ""] + alternative + ["--\(boundary)-alt--"]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    public static func rfc5322(_ date: Date) -> String { UTCFields(date).rfc5322 }

    public static func mailbox(_ name: String, _ address: String) -> String {
        name.isEmpty ? "<\(address)>" : "\(encodedWord(name, phrase: true)) <\(address)>"
    }

    /// RFC 2047: ASCII stays as it is (quoted in a phrase when it has specials); anything else is a
    /// base64 UTF-8 encoded word, split so no encoded word is longer than 75 characters.
    public static func encodedWord(_ text: String, phrase: Bool = false) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0 != "=" && $0 != "?" }
        if plain {
            guard phrase, text.contains(where: { "()<>[]:;@\\,.\"".contains($0) }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var words: [String] = []
        var chunk = ""
        var chunkBytes = 0
        for character in text {
            let size = character.utf8.count
            if chunkBytes + size > 45 {
                words.append(chunk)
                chunk = ""
                chunkBytes = 0
            }
            chunk.append(character)
            chunkBytes += size
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// RFC 2045 quoted-printable with CRLF line ends and soft breaks before 76 characters. Works on
    /// bytes: it runs over every email body, and per-character String work was a fifth of a booking
    /// email's cost.
    public static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        let (cr, lf, space, tab, equals) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "="))
        let input = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 8)
        var width = 0
        var index = 0
        while index < input.count {
            let byte = input[index]
            // Any line end (CRLF or a bare LF) becomes CRLF.
            if byte == lf || (byte == cr && index + 1 < input.count && input[index + 1] == lf) {
                output.append(cr)
                output.append(lf)
                width = 0
                index += byte == cr ? 2 : 1
                continue
            }
            let lineEnds = index + 1 == input.count || input[index + 1] == lf || (input[index + 1] == cr && index + 2 < input.count && input[index + 2] == lf)
            let literal = (byte >= 33 && byte <= 126 && byte != equals) || ((byte == space || byte == tab) && !lineEnds)
            let size = literal ? 1 : 3
            if width + size > 75 {
                output.append(contentsOf: [equals, cr, lf])
                width = 0
            }
            if literal {
                output.append(byte)
            } else {
                output.append(contentsOf: [equals, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
            width += size
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    public static func base64Lines(_ data: Data) -> String {
        let text = Array(data.base64EncodedString().utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.count + text.count / 38)
        for offset in stride(from: 0, to: text.count, by: 76) {
            if offset > 0 { output.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")]) }
            output.append(contentsOf: text[offset..<min(offset + 76, text.count)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// The iCalendar METHOD a message's calendar part carries: an invitation or its cancellation.
public enum InviteMethod: String, Sendable, Codable {
    case request = "REQUEST"
    case cancel = "CANCEL"
}
