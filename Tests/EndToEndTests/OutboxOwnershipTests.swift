import ExamHallTestSupport
import Foundation
import Testing

/// Only ServiceKit writes the outbox: services hand it rows (`OutboxWriter.row`, `enqueue`) and never
/// its SQL, so the table's shape, its uniqueness rule and the relay's expectations live in one place.
@Suite struct OutboxOwnershipTests {
    static var writes: Regex<AnyRegexOutput> { try! Regex("(?i)(insert\\s+into|update|delete\\s+from)\\s+(\\w+\\.)?outbox\\b") }

    @Test func onlyServiceKitWritesOutboxRows() throws {
        let root = TestStack.root
        var offenders: [String] = []
        var scanned = 0
        for folder in ["Services", "Shared"] {
            let base = root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for file in files where file.pathExtension == "swift" {
                let relative = String(file.path.dropFirst(root.path.count + 1))
                scanned += 1
                guard !relative.hasPrefix("Shared/ServiceKit/") else { continue }
                if try String(contentsOf: file, encoding: .utf8).contains(Self.writes) { offenders.append(relative) }
            }
        }
        #expect(scanned > 100, "the sources were found (\(scanned) files)")
        #expect(offenders.isEmpty, "outbox SQL outside ServiceKit: \(offenders.joined(separator: ", "))")
    }

    @Test func thePatternFindsAnOutboxWrite() throws {
        #expect("WITH x AS (…) INSERT INTO outbox (message_id) SELECT …".contains(Self.writes))
        #expect("update notifications.outbox set".contains(Self.writes))
        #expect(!"SELECT count(*) FROM outbox".contains(Self.writes))
    }
}
