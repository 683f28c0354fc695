import ExamHallMail
import Foundation
@testable import NotificationsService
import Testing

/// The MIME encodings every email goes through: pure functions, no stack needed.
struct MailEncodingTests {
    @Test func quotedPrintableKeepsPrintableASCIIAndEncodesTheRest() {
        #expect(MailMessage.quotedPrintable("a=b") == "a=3Db")
        #expect(MailMessage.quotedPrintable("Référence") == "R=C3=A9f=C3=A9rence")
        #expect(MailMessage.quotedPrintable("tab\there") == "tab\there")
        #expect(MailMessage.quotedPrintable("bare\rreturn") == "bare=0Dreturn")
    }

    @Test func quotedPrintableEncodesWhitespaceAtLineEnds() {
        #expect(MailMessage.quotedPrintable("end \nnext\t\nlast ") == "end=20\r\nnext=09\r\nlast=20")
    }

    @Test func quotedPrintableWritesCRLFForEveryLineEnd() {
        #expect(MailMessage.quotedPrintable("one\ntwo\r\nthree\n") == "one\r\ntwo\r\nthree\r\n")
        #expect(MailMessage.quotedPrintable("\n\n") == "\r\n\r\n")
    }

    @Test func quotedPrintableBreaksLongLinesWithoutSplittingAnEscape() {
        let long = MailMessage.quotedPrintable(String(repeating: "a", count: 100))
        #expect(long == String(repeating: "a", count: 75) + "=\r\n" + String(repeating: "a", count: 25))
        // 74 letters then "é" (two escapes, 6 characters): the escape moves whole to the next line.
        let accented = MailMessage.quotedPrintable(String(repeating: "a", count: 74) + "é")
        #expect(accented == String(repeating: "a", count: 74) + "=\r\n=C3=A9")
        for line in MailMessage.quotedPrintable(String(repeating: "àb=c ", count: 60)).components(separatedBy: "\r\n") {
            #expect(line.count <= 76)
        }
    }

    @Test func quotedPrintableDecodesBackToTheText() {
        let text = "Bonjour Zoë,\nVotre place est réservée : lundi 1 mars 2027, 09:00–12:00 (UTC+01:00)\n" + String(repeating: "Consignes = pièce d’identité. ", count: 8) + "\n"
        #expect(decodeQuotedPrintable(MailMessage.quotedPrintable(text)) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func base64LinesAreAtMost76Characters() {
        let data = Data((0..<200).map { UInt8($0) })
        let lines = MailMessage.base64Lines(data).components(separatedBy: "\r\n")
        #expect(lines.map(\.count) == [76, 76, 76, 40])
        #expect(Data(base64Encoded: lines.joined()) == data)
    }

    @Test func encodedWordsSplitNonASCIIHeadersUnder76Characters() {
        #expect(MailMessage.encodedWord("Your exam is booked") == "Your exam is booked")
        let subject = "Votre examen CLOUD-101 est réservé : lundi 1 mars 2027, 09:00"
        let words = MailMessage.encodedWord(subject).components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        var decoded = Data()
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
            decoded.append(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!)
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
    }

    private func decodeQuotedPrintable(_ encoded: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(encoded.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
