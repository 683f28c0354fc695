import ExamHallModels
import Foundation
import Testing

/// The published contract (docs/asyncapi.yaml) names every event the code knows, on the right exchange.
@Suite struct ContractDocumentationTests {
    static let asyncAPI: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return (try? String(contentsOf: url.appendingPathComponent("docs/asyncapi.yaml"), encoding: .utf8)) ?? ""
    }()

    @Test func documentIsThere() {
        #expect(Self.asyncAPI.hasPrefix("asyncapi: 2.6.0"))
    }

    @Test(arguments: EventCatalog.all.map { "\($0.exchange.rawValue)/\($0.type.rawValue)" })
    func everyEventIsDocumented(_ channel: String) {
        #expect(Self.asyncAPI.contains("\n  \(channel):\n"), "\(channel) missing from docs/asyncapi.yaml")
    }
}
