import ExamHallModels
import Foundation
import Testing

/// Version 7 UUIDs as the services mint them for bookings, events and correlation ids.
struct TimeOrderedUUIDTests {
    @Test func carriesVersionSevenTheVariantAndTheMillisecond() {
        let date = Date(timeIntervalSince1970: 1_795_435_200.123_456)
        let id = UUID.timeOrdered(at: date)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_795_435_200_123)
        // The 12 bits after the version are the fraction of the millisecond: 0.456 of it, give or take
        // the half microsecond a Date holds at this distance from 1970.
        let fraction = (Int(bytes[6] & 0x0F) << 8) | Int(bytes[7])
        #expect(abs(fraction - 456 * 4096 / 1000) <= 2)
        #expect(id.uuidString.lowercased().hasPrefix("01a2"))
    }

    @Test func idsMadeLaterSortAfterEarlierOnes() {
        let start = Date(timeIntervalSince1970: 1_795_435_200)
        // Ten microseconds apart, within and across milliseconds; the text form sorts as the bytes do.
        let texts = (0..<2000).map { UUID.timeOrdered(at: start.addingTimeInterval(Double($0) * 0.000_01)).uuidString.lowercased() }
        let outOfOrder = zip(texts, texts.dropFirst()).filter { $0 >= $1 }
        #expect(outOfOrder.isEmpty, "\(outOfOrder.count) ids sort before the one made earlier, first \(outOfOrder.first.map { "\($0)" } ?? "")")
    }

    @Test func idsMadeAtTheSameInstantDiffer() {
        let instant = Date(timeIntervalSince1970: 1_795_435_200)
        let ids = Set((0..<10_000).map { _ in UUID.timeOrdered(at: instant) })
        #expect(ids.count == 10_000)
    }
}
