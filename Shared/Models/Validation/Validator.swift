import Foundation

/// One thing wrong with a message or request, named by its JSON path (`data.candidate.email`).
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Everything wrong with a payload at once, so a sender fixes it in one round.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let issues: [ValidationIssue]

    public init(issues: [ValidationIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "; ") }
}

/// Types that check their own business-level constraints beyond what decoding guarantees.
public protocol Validatable {
    func validate(into validator: inout Validator)
}

/// Collects issues under a path prefix; pure and cheap, so every decode runs it.
public struct Validator: Sendable {
    public private(set) var issues: [ValidationIssue] = []
    private let prefix: String

    public init(prefix: String = "") { self.prefix = prefix }

    private func path(_ field: String) -> String { prefix.isEmpty ? field : "\(prefix).\(field)" }

    public mutating func fail(_ field: String, _ message: String) {
        issues.append(ValidationIssue(field: path(field), message: message))
    }

    public mutating func nested(_ field: String, _ value: some Validatable) {
        var inner = Validator(prefix: path(field))
        value.validate(into: &inner)
        issues += inner.issues
    }

    public mutating func nested(_ field: String, _ value: (some Validatable)?) {
        if let value { nested(field, value) }
    }

    public func throwIfInvalid() throws(ValidationError) {
        if !issues.isEmpty { throw ValidationError(issues: issues) }
    }

    // MARK: - Common rules

    public mutating func text(_ field: String, _ value: String, maxLength: Int = 200) {
        if value.isBlank {
            fail(field, "must not be empty")
        } else if value.count > maxLength {
            fail(field, "must be at most \(maxLength) characters")
        }
    }

    public mutating func text(_ field: String, _ value: String?, maxLength: Int = 200) {
        if let value { text(field, value, maxLength: maxLength) }
    }

    public mutating func identifier(_ field: String, _ value: String) {
        text(field, value, maxLength: 200)
        if value.contains(where: { $0.isNewline || $0 == "\0" }) {
            fail(field, "must not contain control characters")
        }
    }

    public mutating func identifier(_ field: String, _ value: String?) {
        if let value { identifier(field, value) }
    }

    public mutating func examCode(_ field: String, _ value: String) {
        if !Formats.isExamCode(value) {
            fail(field, "must be 1-64 letters, digits, '.', '_' or '-'")
        }
    }

    public mutating func email(_ field: String, _ value: String) {
        if !Formats.isEmail(value) { fail(field, "is not a valid email address") }
    }

    public mutating func language(_ field: String, _ value: String) {
        if !Formats.isLanguageTag(value) { fail(field, "is not a language tag such as 'en' or 'fr-CA'") }
    }

    public mutating func timeZone(_ field: String, _ value: String) {
        if TimeZone(identifier: value) == nil { fail(field, "is not an IANA time zone such as 'Europe/Paris'") }
    }

    public mutating func currency(_ field: String, _ value: String) {
        if !Formats.isCurrencyCode(value) { fail(field, "must be an ISO 4217 code such as 'EUR'") }
    }

    public mutating func nonNegative(_ field: String, _ value: Decimal) {
        if value < 0 { fail(field, "must not be negative") }
    }

    public mutating func nonNegative(_ field: String, _ value: Double) {
        if !(value >= 0) || !value.isFinite { fail(field, "must be a finite number, not negative") }
    }

    public mutating func range(_ field: String, _ value: Int, _ allowed: ClosedRange<Int>) {
        if !allowed.contains(value) { fail(field, "must be between \(allowed.lowerBound) and \(allowed.upperBound)") }
    }

    public mutating func ordered(_ earlierField: String, _ earlier: Date, before laterField: String, _ later: Date) {
        if earlier >= later { fail(laterField, "must be after \(earlierField)") }
    }
}

/// Format checks shared by events and HTTP requests.
public enum Formats {
    public static func isExamCode(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 64
            && value.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// Deliberately simple: one '@', a non-empty local part, a dotted domain, no spaces.
    public static func isEmail(_ value: String) -> Bool {
        guard value.count <= 254, !value.contains(where: \.isWhitespace) else { return false }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }

    /// BCP 47 in the shape front ends send: a 2-3 letter language, optional subtags.
    public static func isLanguageTag(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count),
              first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    public static func isCurrencyCode(_ value: String) -> Bool {
        value.count == 3 && value.allSatisfy { $0.isASCII && $0.isUppercase }
    }
}
