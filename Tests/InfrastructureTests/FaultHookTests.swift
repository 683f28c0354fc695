import ExamHallServiceKit
import Testing

/// The chaos suite's one hook: inert unless a switch names what to break, and then only that.
struct FaultHookTests {
    @Test func withoutASwitchNothingIsBroken() throws {
        let none = FaultHook.fromEnvironment([:])
        #expect(none.crash == nil && none.failingPrefix == nil && none.rollbackPrefix == nil)
        try none.beforeHandling(messageId: "anything", previousDeliveries: 0)
        try none.beforeCommit(correlationId: "anything")
        for point in CrashPoint.allCases { none.reach(point) }
    }

    @Test func aFailingPrefixFailsItsMessagesOnTheirFirstDeliveriesOnly() {
        let hook = FaultHook.fromEnvironment(["EXAMHALL_FAIL_MESSAGE_PREFIX": "poison-", "EXAMHALL_FAIL_MESSAGE_DELIVERIES": "2"])
        #expect(throws: InjectedFailure.self) { try hook.beforeHandling(messageId: "poison-1", previousDeliveries: 0) }
        #expect(throws: InjectedFailure.self) { try hook.beforeHandling(messageId: "poison-1", previousDeliveries: 1) }
        #expect(throws: Never.self) { try hook.beforeHandling(messageId: "poison-1", previousDeliveries: 2) }
        #expect(throws: Never.self) { try hook.beforeHandling(messageId: "healthy-1", previousDeliveries: 0) }
    }

    @Test func aRollbackPrefixFailsOnlyTheWorkItNames() {
        let hook = FaultHook.fromEnvironment(["EXAMHALL_ROLLBACK_CORRELATION_PREFIX": "undo-", "EXAMHALL_CRASH_AT": "after-inbox-insert", "EXAMHALL_CRASH_AFTER": "3"])
        #expect(throws: InjectedFailure.self) { try hook.beforeCommit(correlationId: "undo-42") }
        #expect(throws: Never.self) { try hook.beforeCommit(correlationId: "keep-42") }
        #expect(throws: Never.self) { try hook.beforeCommit(correlationId: nil) }
        #expect(hook.crash?.point == .afterInboxInsert && hook.crash?.after == 3)
    }
}
