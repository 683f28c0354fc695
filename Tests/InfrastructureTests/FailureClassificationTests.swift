import ExamHallMessaging
import ExamHallStorage
import Testing

/// Which failures hold a batch for a later retry (they say nothing about the message), and how long a
/// message whose handler failed waits before its next delivery.
struct FailureClassificationTests {
    @Test(arguments: ["53100", "53200", "53300", "25006", "57014", "40001", "40P01", "08006", "57P01", "58030", "55P03"])
    func anOutageOrAResourceShortageIsTransient(_ sqlState: String) {
        #expect(PostgresError(kind: .query, message: "x", sqlState: sqlState).isTransient)
    }

    @Test(arguments: ["23505", "23514", "22021", "42501", "P0001", "42P01"])
    func aRefusalOfTheStatementIsNot(_ sqlState: String) {
        #expect(!PostgresError(kind: .query, message: "x", sqlState: sqlState).isTransient)
    }

    @Test func aLostConnectionIsTransientWhateverItSays() {
        #expect(PostgresError(kind: .connection, message: "server closed the connection unexpectedly").isTransient)
        #expect(!PostgresError(kind: .query, message: "no state").isTransient)
    }

    @Test func theWaitDoublesAfterEachFailedDeliveryUpToItsMaximum() {
        let delay = RetryDelay(base: .seconds(1), maximum: .seconds(60))
        #expect((1...8).map { delay.after(failedDeliveries: $0) } == [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(delay.after(failedDeliveries: 500) == .seconds(60), "no overflow however many deliveries")
        #expect(delay.totalBeforeDeadLetter(limit: 10) == .seconds(243), "the documented 4 min 3 s for the defaults")
        #expect(RetryDelay(base: .milliseconds(100), maximum: .seconds(1)).totalBeforeDeadLetter(limit: 4) == .milliseconds(700))
    }
}
