import Foundation

/// The span a calendar page shows: a day, or the Monday-to-Sunday week around a day. Pure.
public struct CalendarRange: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable { case day, week }

    public var scope: Scope
    /// The days shown, as yyyy-MM-dd.
    public var days: [String]
    public var previous: String
    public var next: String

    /// `anchor` is a yyyy-MM-dd day; an invalid one falls back to `today`.
    public init(scope: Scope, anchor: String?, today: String) {
        let calendar = Self.calendar
        let day = anchor.flatMap(Self.date(of:)) ?? Self.date(of: today)!
        let first: Date
        switch scope {
        case .day: first = day
        case .week:
            let weekday = calendar.component(.weekday, from: day) // Sunday is 1
            first = calendar.date(byAdding: .day, value: -((weekday + 5) % 7), to: day)!
        }
        let count = scope == .day ? 1 : 7
        self.scope = scope
        days = (0..<count).map { Self.key(calendar.date(byAdding: .day, value: $0, to: first)!) }
        previous = Self.key(calendar.date(byAdding: .day, value: -count, to: first)!)
        next = Self.key(calendar.date(byAdding: .day, value: count, to: first)!)
    }

    /// The instants to ask the service for: wide enough to hold these days on any clock on Earth.
    public var query: (from: Date, to: Date) {
        (Self.date(of: days.first!)!.addingTimeInterval(-14 * 3600), Self.date(of: days.last!)!.addingTimeInterval(86_400 + 14 * 3600))
    }

    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }

    public static func date(of key: String) -> Date? {
        let parts = key.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, key.count == 10,
              let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              Self.key(date) == key else { return nil }
        return date
    }

    static func key(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
