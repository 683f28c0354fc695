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
        let boundary = "examhall-" + String(messageId.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init)).prefix(40)
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

    static func rfc5322(_ date: Date) -> String { UTCFields(date).rfc5322 }

    static func mailbox(_ name: String, _ address: String) -> String {
        name.isEmpty ? "<\(address)>" : "\(encodedWord(name, phrase: true)) <\(address)>"
    }

    /// RFC 2047: ASCII stays as it is (quoted in a phrase when it has specials); anything else is a
    /// base64 UTF-8 encoded word, split so no encoded word is longer than 75 characters.
    static func encodedWord(_ text: String, phrase: Bool = false) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0 != "=" && $0 != "?" }
        if plain {
            guard phrase, text.contains(where: { "()<>[]:;@\\,.\"".contains($0) }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var words: [String] = []
        var chunk = ""
        for character in text {
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// RFC 2045 quoted-printable with CRLF line ends and soft breaks before 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        var output: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let piece: String
                if (byte >= 33 && byte <= 126 && byte != 61) || (byte == 32 && !isLast) || (byte == 9 && !isLast) {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if width + piece.count > 75 {
                    encoded += "=\r\n"
                    width = 0
                }
                encoded += piece
                width += piece.count
            }
            output.append(encoded)
        }
        return output.joined(separator: "\r\n")
    }

    static func base64Lines(_ data: Data) -> String {
        let text = data.base64EncodedString()
        return stride(from: 0, to: text.count, by: 76).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return String(text[start..<(text.index(start, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex)])
        }.joined(separator: "\r\n")
    }
}
