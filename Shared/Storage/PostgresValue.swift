import Foundation

/// A Swift value sent as a query parameter, in PostgreSQL's text format (`nil` is SQL NULL).
public protocol PostgresEncodable: Sendable {
    var postgresText: String? { get }
}

/// A Swift value read from a result column in text format.
public protocol PostgresDecodable {
    init(postgresText: String) throws
    /// What a SQL NULL becomes; only optionals accept it.
    static func fromNull(column: String) throws -> Self
}

extension PostgresDecodable {
    public static func fromNull(column: String) throws -> Self {
        throw PostgresDecodingError(column: column, reason: "is NULL")
    }
}

public struct PostgresDecodingError: Error, CustomStringConvertible {
    public let column: String
    public let reason: String
    public var description: String { "column '\(column)' \(reason)" }
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public init(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText: String) throws {
        guard let value = Int(postgresText) else { throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not an integer") }
        self = value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText: String) throws {
        guard let value = Int64(postgresText) else { throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not an integer") }
        self = value
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText: String) throws {
        guard let value = Double(postgresText) else { throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not a number") }
        self = value
    }
}

extension Decimal: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { "\(self)" }
    public init(postgresText: String) throws {
        guard let value = Decimal(string: postgresText, locale: Locale(identifier: "en_US_POSIX")) else {
            throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not a decimal")
        }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not a boolean")
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public init(postgresText: String) throws {
        guard let value = UUID(uuidString: postgresText) else { throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not a uuid") }
        self = value
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { PostgresTimestamp.format(self) }
    public init(postgresText: String) throws {
        guard let value = PostgresTimestamp.parse(postgresText) else {
            throw PostgresDecodingError(column: "?", reason: "'\(postgresText)' is not a timestamp")
        }
        self = value
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText: String) throws { self = try Wrapped(postgresText: postgresText) }
    public static func fromNull(column: String) throws -> Self { nil }
}

/// Arrays go as PostgreSQL array literals, for `= ANY($1)` and `unnest($1::text[])`.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// Built on bytes: a batch sends arrays of whole event bodies, full of quotes to escape, and
    /// Foundation's `replacingOccurrences` was the service's largest cost in ingestion.
    public var postgresText: String? {
        let (quote, backslash, comma) = (UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ","))
        var literal: [UInt8] = [UInt8(ascii: "{")]
        for (index, element) in enumerated() {
            if index > 0 { literal.append(comma) }
            guard let text = element.postgresText else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(quote)
            for byte in text.utf8 {
                if byte == quote || byte == backslash { literal.append(backslash) }
                literal.append(byte)
            }
            literal.append(quote)
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }
}

/// `timestamptz` in and out. Connections run with `TimeZone=UTC` and `DateStyle=ISO`, so output is
/// `2026-11-23 10:00:00.123456+00`; parsing it by hand keeps row decoding cheap and exact.
public enum PostgresTimestamp {
    public static func format(_ date: Date) -> String {
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = totalMicros / 1_000_000
        var micros = totalMicros % 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        // By hand rather than String(format:): every stored row carries timestamps, and Foundation's
        // formatting was a measurable share of a handler's CPU time.
        var text: [UInt8] = []
        text.reserveCapacity(27)
        func field(_ value: Int64, width: Int, then separator: Character?) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var rest = value
            for position in stride(from: width - 1, through: 0, by: -1) {
                digits[position] += UInt8(rest % 10)
                rest /= 10
            }
            text.append(contentsOf: digits)
            if let separator { text.append(separator.asciiValue!) }
        }
        field(year, width: 4, then: "-"); field(month, width: 2, then: "-"); field(day, width: 2, then: "T")
        field(secondOfDay / 3600, width: 2, then: ":"); field(secondOfDay % 3600 / 60, width: 2, then: ":"); field(secondOfDay % 60, width: 2, then: ".")
        field(micros, width: 6, then: "Z")
        return String(decoding: text, as: UTF8.self)
    }

    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect(" T"), let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2)
        else { return nil }
        var micros: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        var offset: Int64 = 0
        if index < bytes.count {
            let sign = bytes[index]
            index += 1
            if sign == UInt8(ascii: "Z") {
                offset = 0
            } else {
                guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), let hours = number(2) else { return nil }
                var minutes: Int64 = 0
                if index < bytes.count {
                    _ = expect(":")
                    minutes = number(2) ?? 0
                }
                offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    // Howard Hinnant's proleptic Gregorian calendar conversions.
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
