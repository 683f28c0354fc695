import ExamHallModels
@testable import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Logging
import Testing

/// The inbox record against the real table: an id is fresh exactly once, within a batch and across them.
@Suite(.serialized) struct DeduplicateStepTests {
    let database: DatabasePool

    init() throws {
        try TestStack.require()
        database = try TestStack.databasePool("authorizations", applicationName: "dedup-test")
    }

    func metadata(_ id: String) throws -> EnvelopeMetadata {
        CloudEvent(id: id, source: "test", time: .now, correlationid: nil, data: CandidateUpdated(candidate: Fixtures.candidate())).metadata
    }

    @Test func anIdIsFreshOnceWithinABatchAndAcrossBatches() async throws {
        let (a, b, c) = (UUID().uuidString, UUID().uuidString, UUID().uuidString)
        let batch = try [a, b, a].map(metadata)
        let first = try await database.transaction { try DeduplicateStep.recordFresh(batch, on: $0) }
        #expect(first == [a, b], "the second copy in the batch is not fresh")
        let next = try [a, c].map(metadata)
        let second = try await database.transaction { try DeduplicateStep.recordFresh(next, on: $0) }
        #expect(second == [c])
        let single = try metadata(b), unseen = try metadata(UUID().uuidString)
        #expect(try await database.transaction { try DeduplicateStep.recordFresh(single, on: $0) } == false)
        #expect(try await database.transaction { try DeduplicateStep.recordFresh(unseen, on: $0) } == true)
    }

    @Test func aRecordRolledBackWithItsTransactionLeavesTheIdFresh() async throws {
        struct Undo: Error {}
        let id = UUID().uuidString
        let message = try metadata(id)
        await #expect(throws: Undo.self) {
            try await database.transaction { connection in
                #expect(try DeduplicateStep.recordFresh(message, on: connection))
                throw Undo()
            }
        }
        #expect(try await database.transaction { try DeduplicateStep.recordFresh(message, on: $0) } == true, "redelivered after a rollback, it applies")
    }
}
