import ExamHallModels
import Foundation
import Hummingbird

/// Reading path and query parameters the same way in every service, with problem+json on bad input.
extension ExamHallRequestContext {
    /// The UUID in path parameter `name`; anything else is a 404 (no such resource can exist).
    public func uuidParameter(_ name: String = "id", what: String) throws -> UUID {
        guard let text = parameters.get(name), let id = UUID(uuidString: text) else {
            throw Problem(.notFound, type: "not-found", detail: "\(what) ids are UUIDs")
        }
        return id
    }
}

/// The `limit` and `offset` of a list request. No list in ExamHall answers with more than
/// `maximumLimit` items at once.
public struct PageRequest: Sendable {
    public static let maximumLimit = 1000

    public var limit: Int
    public var offset: Int

    public init(limit: String?, offset: String?, defaultLimit: Int, maximum: Int = PageRequest.maximumLimit) throws {
        self.limit = try QueryValue.boundedInt(limit, name: "limit", default: defaultLimit, range: 1...maximum)
        self.offset = try QueryValue.boundedInt(offset, name: "offset", default: 0, range: 0...1_000_000)
    }
}

public enum QueryValue {
    public static func boundedInt(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Problem(.badRequest, type: "invalid-query", detail: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The years a time in a query may fall in: wide for any calendar, and narrow enough that a day or
    /// two either side of it (ranges are widened to whole days) is still a time PostgreSQL can read.
    public static let dateYears = 1900...9999

    public static func date(_ text: String?, name: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw Problem(.badRequest, type: "invalid-query", detail: "\(name) must be an RFC 3339 time such as 2026-11-23T10:00:00Z")
        }
        let year = Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: date).year ?? 0
        guard dateYears.contains(year) else {
            throw Problem(.badRequest, type: "invalid-query", detail: "\(name) must fall in the years \(dateYears.lowerBound) to \(dateYears.upperBound)")
        }
        return date
    }

    public static func uuid(_ text: String?, name: String) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else { throw Problem(.badRequest, type: "invalid-query", detail: "\(name) must be a UUID") }
        return id
    }

    /// A free-text search: trimmed, 2 to 100 characters, or nil when absent or blank.
    public static func search(_ text: String?, name: String = "query") throws -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard (2...100).contains(text.count) else {
            throw Problem(.badRequest, type: "invalid-query", detail: "\(name) must be 2 to 100 characters long")
        }
        return text
    }

    /// The SQL `LIKE` pattern finding `text` anywhere, its wildcards taken literally.
    public static func containsPattern(_ text: String) -> String {
        "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    public static func choice<T: RawRepresentable & CaseIterable>(_ text: String?, name: String, as _: T.Type) throws -> T? where T.RawValue == String {
        guard let text else { return nil }
        guard let value = T(rawValue: text) else {
            throw Problem(.badRequest, type: "invalid-query", detail: "\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

extension Validator {
    /// Throws the collected failures as a 422 problem.
    public func throwIfInvalidAsProblem() throws {
        do { try throwIfInvalid() } catch { throw Problem.invalid(error) }
    }
}

extension Request {
    /// Decodes an optional JSON body of at most `maximumSize` bytes: nil when the request has none.
    public func decodeIfPresent<T: Decodable>(as type: T.Type, context: ExamHallRequestContext, upTo maximumSize: Int = 1 << 20) async throws -> T? {
        var request = self
        let buffer = try await request.collectBody(upTo: maximumSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try await request.decode(as: type, context: context)
    }
}
