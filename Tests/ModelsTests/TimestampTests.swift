import ExamHallModels
import Foundation
import Testing

/// RFC 3339 timestamps as every event and response writes them.
struct TimestampTests {
    @Test func formatsUTCWithMilliseconds() throws {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_435_200.5)) == "2026-11-23T12:00:00.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1.25)) == "1969-12-31T23:59:58.750Z")
        // Rounded to whole microseconds before the milliseconds are cut, so a hair before a second is that second.
        #expect(Timestamp.format(Date(timeIntervalSince1970: -46_684_166.000_000_24)) == "1968-07-09T16:10:34.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_435_199.999_999_7)) == "2026-11-23T12:00:00.000Z")
        #expect(Timestamp.format(try #require(Timestamp.parse("2028-02-29T23:59:59.999Z"))) == "2028-02-29T23:59:59.999Z")
        #expect(Timestamp.format(try #require(Timestamp.parse("2026-03-29T01:30:00+01:00"))) == "2026-03-29T00:30:00.000Z")
    }

    @Test func zeroPaddedWritesDigitsToWidth() {
        #expect(7.zeroPadded(2) == "07")
        #expect(0.zeroPadded(3) == "000")
        #expect(2026.zeroPadded(4) == "2026")
        #expect(123.zeroPadded(2) == "123")
        #expect(Int64(45).zeroPadded(6) == "000045")
        for value in [0, 9, 10, 99, 100, 12_345, 999_999] {
            #expect(value.zeroPadded(6) == String(format: "%06d", value))
        }
    }

    @Test func agreesWithFoundationAndRoundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            // Whole microseconds, as the formatter reads a date: a time a fraction of a microsecond before a
            // second rounds up to that second, where Foundation's truncating formatter would stay a second behind.
            let micros = Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let text = Timestamp.format(date)
            let foundation = date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon))
            #expect(String(text.dropLast(5)) == String(foundation.prefix(19)), "\(date.timeIntervalSince1970)")
            let parsed = try #require(Timestamp.parse(text))
            #expect(Timestamp.format(parsed) == text)
            #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
        }
    }

    @Test func utcFieldsNameTheWeekdayAsFoundationDoes() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: -2_000_000_000...4_000_000_000, using: &generator)))
            #expect(UTCFields(date).weekday == calendar.component(.weekday, from: date) - 1, "\(date.timeIntervalSince1970)")
        }
        #expect(UTCFields(Date(timeIntervalSince1970: 0)).weekday == 4)
    }
}
