import ExamHallServiceKit
import Foundation
import Testing

/// A time in a query is refused with 400 when PostgreSQL could not take it (or a day either side of it).
@Suite struct QueryValueTests {
    @Test(arguments: ["0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z"])
    func aTimeOutsideTheUsableYearsIsABadRequest(_ text: String) {
        do {
            _ = try QueryValue.date(text, name: "from")
            Issue.record("\(text) was accepted")
        } catch let problem as Problem {
            #expect(problem.status == .badRequest && problem.type.hasSuffix("invalid-query"))
            #expect(problem.detail == "from must fall in the years 1900 to 9999")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aTimeWithinThemIsRead() throws {
        #expect(try QueryValue.date("2026-11-23T10:00:00Z", name: "from") == Date(timeIntervalSince1970: 1_795_428_000))
        #expect(try QueryValue.date("9999-12-31T00:00:00Z", name: "to") != nil)
        #expect(try QueryValue.date(nil, name: "from") == nil)
    }
}
