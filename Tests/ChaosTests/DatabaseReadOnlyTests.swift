import ExamHallTestSupport
import Foundation
import Testing

/// PostgreSQL turns read-only (as a primary does during a failover) while purchases flow: every batch
/// is held and retried, none uses up a delivery, and once it is writable again each purchase is applied
/// exactly once and nothing is dead-lettered.
@Suite(.serialized) struct DatabaseReadOnlyTests {
    @Test func purchasesFlowingWhileTheDatabaseIsReadOnlyAreEachAppliedOnceItIsWritableAgain() async throws {
        let flow = try PurchaseFlow()
        let service = ServiceProcess("authorizations", port: 18270)
        try await service.start()
        defer {
            service.stop()
            try? Self.setReadOnly(false)
        }
        try flow.publish(200)
        try Self.setReadOnly(true)
        try flow.publish(1_800)
        // The sentinel: the service says it holds batches for a retry (without a delivery used up).
        let held = try await eventually(timeout: .seconds(60), { try await service.metric("examhall_batches_retried_total") ?? 0 }, until: { $0 >= 5 })
        #expect(held >= 5, "batches held while the database refuses writes")
        #expect(try DeadLetters.count("authorizations") == 0, "a read-only database says nothing about the messages")
        try Self.setReadOnly(false)

        try await flow.waitUntilSettled()
        #expect(try DeadLetters.count("authorizations") == 0)
        #expect(service.isRunning, "no crash, no restart")
        service.stop()
        try flow.expectExact("2,000 purchases while the database was read-only for a while")
    }

    /// Every transaction that does not say otherwise is read-only, on every connection already open too
    /// (a reload applies the default to existing sessions).
    static func setReadOnly(_ readOnly: Bool) throws {
        let database = try TestStack.adminDatabase()
        try database.execute("SET default_transaction_read_only = off")
        try database.execute(readOnly ? "ALTER SYSTEM SET default_transaction_read_only = on" : "ALTER SYSTEM RESET default_transaction_read_only")
        try database.execute("SELECT pg_reload_conf()")
    }
}
