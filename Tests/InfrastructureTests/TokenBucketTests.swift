import ExamHallServiceKit
import Testing

@Suite struct TokenBucketTests {
    @Test func aBurstUpToTheCapacityThenOneAtTheRefillRate() {
        var bucket = TokenBucket(capacity: 3, perSecond: 0.5, now: 100)
        #expect(bucket.take(now: 100) == nil && bucket.take(now: 100) == nil && bucket.take(now: 100) == nil)
        #expect(bucket.take(now: 100) == 2, "the next token comes in 2 s")
        #expect(bucket.take(now: 101) == 1)
        #expect(bucket.take(now: 102) == nil)
        #expect(bucket.take(now: 102) == 2)
    }

    @Test func itNeverHoldsMoreThanItsCapacityAndForgetsNothingWhenTimeStandsStill() {
        var bucket = TokenBucket(capacity: 2, perSecond: 1, now: 0)
        #expect(bucket.isFull(now: 0))
        _ = bucket.take(now: 1000)
        #expect(!bucket.isFull(now: 1000) && bucket.isFull(now: 1001))
        #expect(bucket.take(now: 1000) == nil)
        #expect(bucket.take(now: 1000) == 1, "an idle hour gave back two tokens, not 3,600")
        #expect(bucket.take(now: 999) != nil, "a clock that goes back gives nothing")
    }
}
