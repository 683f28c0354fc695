import ExamHallTestSupport
import Testing

/// The chaos suite's checker must itself be right, or every chaos verdict is worthless.
struct EffectCheckTests {
    @Test func exactWhenEveryKeyIsSeenOnce() {
        let check = EffectCheck("authorizations", expected: ["a", "b", "c"], observed: ["c", "a", "b"])
        #expect(check.isExact)
        #expect(check.expected == 3 && check.observed == 3)
        #expect(check.description == "authorizations: 3 expected, 3 observed, 0 lost, 0 duplicated, 0 unexpected")
    }

    @Test func countsLostDuplicatedAndUnexpectedApart() {
        let check = EffectCheck("emails", expected: ["a", "b", "c", "d"], observed: ["a", "a", "a", "b", "x", "c"])
        #expect(!check.isExact)
        #expect(check.lost == ["d"])
        #expect(check.duplicated == ["a": 3])
        #expect(check.unexpected == ["x"])
        #expect(check.description.contains("1 lost, 1 duplicated, 1 unexpected; lost e.g. d; duplicated e.g. a×3; unexpected e.g. x"))
    }

    @Test func aKeySentTwiceIsStillExpectedOnce() {
        // A generator re-sending the same business key (a new message id for the same purchase) still
        // asks for one effect.
        let check = EffectCheck("authorizations", expected: ["a", "a", "b"], observed: ["a", "b"])
        #expect(check.isExact)
        #expect(check.expected == 2)
    }

    @Test func nothingObservedIsAllLost() {
        let check = EffectCheck("exports", expected: ["a", "b"], observed: [String]())
        #expect(check.lost == ["a", "b"])
        #expect(!check.isExact)
    }
}
