import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Logging
import Testing

/// The inbox processor's transaction rules against the real database, with handlers that write and
/// then fail, so that partial effects would show.
@Suite(.serialized) struct InboxProcessorTests {
    /// Writes a marker row for the candidate, then rejects or fails when the first name says so.
    struct MarkingHandler: EventHandler {
        struct Boom: Error {}

        func handle(_ event: CloudEvent<CandidateUpdated>, context: HandlerContext) throws {
            let candidate = event.data.candidate
            try context.connection.execute(
                "INSERT INTO inbox_processor_marks (candidate_id, message_id) VALUES ($1, $2)", [candidate.externalId, event.id]
            )
            try context.publish(CandidateUpdated(candidate: candidate), to: .events)
            switch candidate.firstName {
            case "Reject": throw HandlerRejection("candidate refused by the rules")
            case "Boom": throw Boom()
            default: return
            }
        }
    }

    let database: DatabasePool
    let processor: InboxProcessor

    init() async throws {
        try TestStack.require()
        let logger = Logger(label: "test")
        database = try TestStack.databasePool("authorizations", applicationName: "inbox-test")
        _ = try await database.withConnection { connection in
            try connection.execute("CREATE TABLE IF NOT EXISTS inbox_processor_marks (candidate_id text NOT NULL, message_id text NOT NULL)")
        }
        var registry = HandlerRegistry()
        registry.register(MarkingHandler(), from: .inbound)
        processor = InboxProcessor(registry: registry, database: database, source: "test", deliveryLimit: 3, logger: logger)
    }

    func marks(_ candidateId: String) async throws -> Int {
        try await database.withConnection {
            try $0.query("SELECT count(*) AS n FROM inbox_processor_marks WHERE candidate_id = $1", [candidateId])[0].decode("n")
        }
    }

    func outboxRows(_ messageIds: [String]) async throws -> Int {
        try await database.withConnection {
            try $0.query("SELECT count(*) AS n FROM outbox WHERE correlation_id = ANY($1::text[])", [messageIds])[0].decode("n")
        }
    }

    /// The handler's events are `candidate.updated`, which the authorizations service may not publish:
    /// left in its outbox, they would be tried (and refused) by every later run of the real service.
    func forgetOutboxRows(causedBy deliveries: [Delivery]) {
        let ids = deliveries.compactMap(\.properties.messageId)
        _ = try? AdminDatabase().query("DELETE FROM authorizations.outbox WHERE correlation_id = ANY($1::text[]) RETURNING 1", [ids])
    }

    func delivery(firstName: String, previousDeliveries: Int = 0) throws -> (Delivery, String) {
        var candidate = Fixtures.candidate()
        candidate.firstName = firstName
        var delivery = try Delivery.of(CandidateUpdated(candidate: candidate))
        if previousDeliveries > 0 { delivery.properties.headers["x-delivery-count"] = .int(Int64(previousDeliveries)) }
        return (delivery, candidate.externalId)
    }

    @Test func aFailingMessageRollsBackAloneAndTheBatchStillApplies() async throws {
        let (first, firstId) = try delivery(firstName: "Ada")
        let (rejected, rejectedId) = try delivery(firstName: "Reject")
        let (failing, failingId) = try delivery(firstName: "Boom")
        let (last, lastId) = try delivery(firstName: "Grace")
        defer { forgetOutboxRows(causedBy: [first, rejected, failing, last]) }

        let outcome = await processor.handle([first, rejected, failing, last])
        #expect(outcome == .settled([.ack, .deadLetter(reason: "candidate refused by the rules"), .requeue, .ack]))
        #expect(try await marks(firstId) == 1)
        #expect(try await marks(lastId) == 1)
        #expect(try await marks(rejectedId) == 0, "a rejected message leaves no trace")
        #expect(try await marks(failingId) == 0, "a failed message leaves no trace")
        let ids = [first, rejected, failing, last].map { $0.properties.messageId! }
        #expect(try await outboxRows([ids[0], ids[3]]) == 2)
        #expect(try await outboxRows([ids[1], ids[2]]) == 0, "no event escapes from a rolled-back message")

        // Redelivered: the applied ones are duplicates now; the failing one fails again.
        let again = await processor.handle([first, failing, last])
        #expect(again == .settled([.ack, .requeue, .ack]))
        #expect(try await marks(firstId) == 1)
        #expect(try await marks(lastId) == 1)
    }

    @Test func aMessageTwiceInOneBatchOrAgainInTheNextAppliesOnce() async throws {
        let (first, firstId) = try delivery(firstName: "Ada")
        let (second, secondId) = try delivery(firstName: "Grace")
        defer { forgetOutboxRows(causedBy: [first, second]) }
        #expect(await processor.handle([first, second, first]) == .settled([.ack, .ack, .ack]))
        #expect(try await marks(firstId) == 1)
        #expect(try await marks(secondId) == 1)
        #expect(await processor.handle([second, first]) == .settled([.ack, .ack]))
        #expect(try await marks(firstId) == 1)
        #expect(try await marks(secondId) == 1)
        #expect(try await outboxRows([first.properties.messageId!, second.properties.messageId!]) == 2)
    }

    @Test func aMessageFailingOnItsLastAllowedDeliveryIsDeadLetteredWithTheError() async throws {
        let (failing, failingId) = try delivery(firstName: "Boom", previousDeliveries: 2)
        guard case let .settled(dispositions) = await processor.handle([failing]), case let .deadLetter(reason) = dispositions[0] else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(reason.hasPrefix("failed on each of 3 deliveries; last error: Boom"))
        #expect(try await marks(failingId) == 0)
    }
}
