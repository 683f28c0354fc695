import ExamHallServiceKit
import Testing

/// Splitting a batch so that no key appears twice in a round, in the batch's order.
struct DistinctRoundsTests {
    @Test func eachRoundHoldsTheNextOccurrenceOfEveryKeyInBatchOrder() {
        let keys = ["a", "b", "a", "c", "a", "b"]
        #expect(DistinctRounds.of(keys) { $0 } == [[0, 1, 3], [2, 5], [4]])
    }

    @Test func distinctKeysMakeOneRoundAndNothingMakesNone() {
        #expect(DistinctRounds.of(["x", "y", "z"]) { $0 } == [[0, 1, 2]])
        #expect(DistinctRounds.of([String]()) { $0 }.isEmpty)
    }
}
