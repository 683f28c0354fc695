import ExamHallMessaging
import ExamHallModels
@testable import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Logging
import Testing

/// One transaction per batch against the real database: optimistic when clean, one savepoint per
/// message when not, held whole when the failure is the database's.
@Suite(.serialized) struct ApplyStepTests {
    /// Writes a mark per event (as a batch when it can); rejects, fails or times out when the first name says so.
    struct Marking: BatchEventHandler {
        struct Boom: Error {}

        func handle(_ event: CloudEvent<PurchaseCompleted>, context: HandlerContext) throws {
            try handleBatch([(event, context)], on: context.connection)
        }

        func handleBatch(_ events: [(event: CloudEvent<PurchaseCompleted>, context: HandlerContext)], on connection: PGConnection) throws {
            try connection.execute(
                "INSERT INTO apply_step_marks (purchase_id, batch_size) SELECT unnest($1::text[]), $2",
                [events.map(\.event.data.purchaseId), events.count]
            )
            for (event, context) in events {
                try context.publish(CandidateUpdated(candidate: event.data.candidate))
                switch event.data.candidate.firstName {
                case "Reject": throw HandlerRejection("refused by the rules")
                case "Boom": throw Boom()
                case "Timeout":
                    try connection.execute("SET LOCAL statement_timeout = 1")
                    try connection.execute("SELECT pg_sleep(1)")
                default: continue
                }
            }
        }
    }

    let database: DatabasePool
    let step: ApplyStep
    let route: RouteStep

    init() async throws {
        try TestStack.require()
        let logger = Logger(label: "test")
        database = try TestStack.databasePool("authorizations", applicationName: "apply-test")
        _ = try await database.withConnection { connection in
            try connection.execute("CREATE TABLE IF NOT EXISTS apply_step_marks (purchase_id text NOT NULL, batch_size int NOT NULL)")
        }
        var registry = HandlerRegistry()
        registry.register(Marking(), from: .inbound)
        route = RouteStep(registry: registry)
        step = ApplyStep(database: database, source: "test", deliveryLimit: 3, logger: logger, clock: { Date() }, faults: .none)
    }

    func messages(_ firstNames: [String]) throws -> [PreparedMessage] {
        try firstNames.map { name in
            var candidate = Fixtures.candidate()
            candidate.firstName = name
            let delivery = try Delivery.of(Fixtures.purchase(candidate: candidate))
            return try DecodeStep().decode(delivery, with: try route.route(delivery).get()).get()
        }
    }

    func marks(_ messages: [PreparedMessage]) async throws -> [Int] {
        let ids = messages.map { ($0.event as! CloudEvent<PurchaseCompleted>).data.purchaseId }
        return try await database.withConnection { connection in
            try ids.map { try connection.query("SELECT count(*)::int AS n FROM apply_step_marks WHERE purchase_id = $1", [$0])[0].decode("n") }
        }
    }

    func batchSizes(_ messages: [PreparedMessage]) async throws -> Set<Int> {
        let ids = messages.map { ($0.event as! CloudEvent<PurchaseCompleted>).data.purchaseId }
        return Set(try await database.withConnection { connection in
            try connection.query("SELECT batch_size FROM apply_step_marks WHERE purchase_id = ANY($1::text[])", [ids]).map { try $0.decode("batch_size", as: Int.self) }
        })
    }

    func outboxRows(causedBy messages: [PreparedMessage]) async throws -> Int {
        try await database.withConnection {
            try $0.query("SELECT count(*)::int AS n FROM outbox WHERE correlation_id = ANY($1::text[])", [messages.map(\.metadata.id)])[0].decode("n")
        }
    }

    /// The handler's events are `candidate.updated`, which the authorizations service may not publish:
    /// left in its outbox, they would be tried (and refused) by every later run of the real service.
    func forgetOutboxRows(causedBy messages: [PreparedMessage]) {
        _ = try? AdminDatabase().query("DELETE FROM authorizations.outbox WHERE correlation_id = ANY($1::text[]) RETURNING 1", [messages.map(\.metadata.id)])
    }

    @Test func aCleanBatchGoesToTheBatchHandlerTogetherAndCommits() async throws {
        let batch = try messages(["Ada", "Grace", "Edsger"])
        defer { forgetOutboxRows(causedBy: batch) }
        guard case let .committed(results) = await step.apply(batch) else { Issue.record("not committed"); return }
        #expect(results.allSatisfy { if case .applied = $0 { true } else { false } })
        #expect(try await marks(batch) == [1, 1, 1])
        #expect(try await batchSizes(batch) == [3], "one call for the three")
        #expect(try await outboxRows(causedBy: batch) == 3)
        #expect(await step.apply(batch) == .committed([.duplicate, .duplicate, .duplicate]), "delivered again, nothing is applied twice")
        #expect(try await marks(batch) == [1, 1, 1])
    }

    @Test func aFailingMessageIsIsolatedAndTheOthersCommit() async throws {
        let batch = try messages(["Ada", "Reject", "Boom", "Grace"])
        defer { forgetOutboxRows(causedBy: batch) }
        guard case let .committed(results) = await step.apply(batch) else { Issue.record("not committed"); return }
        #expect(results[1] == .rejected(HandlerRejection("refused by the rules")))
        #expect(results[2] == .failed("Boom()"))
        #expect(try await marks(batch) == [1, 0, 0, 1], "the failing messages leave no trace")
        #expect(try await batchSizes(batch) == [1], "retried one message at a time")
        #expect(try await outboxRows(causedBy: batch) == 2, "no event escapes a rolled-back message")
    }

    @Test func aTransientDatabaseFailureHoldsTheWholeBatch() async throws {
        let batch = try messages(["Ada", "Timeout"])
        defer { forgetOutboxRows(causedBy: batch) }
        guard case let .retryLater(reason) = await step.apply(batch) else { Issue.record("not held for retry"); return }
        #expect(reason.contains("57014"), "a statement timeout: \(reason)")
        #expect(try await marks(batch) == [0, 0], "nothing committed, not even the clean message")
        // The inbox record was rolled back too: once the database behaves, the batch applies.
        let ada = [batch[0]]
        guard case let .committed(results) = await step.apply(ada), case .applied = results[0] else { Issue.record("not applied"); return }
    }
}
