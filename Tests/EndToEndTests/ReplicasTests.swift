import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The demo scenario with two replicas of every service: each purchase becomes exactly one authorization
/// and one `authorization.opened`, whichever replica takes it.
@Suite(.serialized) struct ReplicasTests {
    init() throws { try TestStack.require() }

    @Test func twoReplicasOfEveryServiceShareTheWorkExactlyOnce() async throws {
        var processes: [ServiceProcess] = []
        defer { processes.forEach { $0.stop() } }
        for (name, port) in [("sessions", 18081), ("authorizations", 18082), ("verification", 18083), ("notifications", 18084)] {
            for replica in 0..<2 {
                let process = ServiceProcess(name, port: port + 100 * replica)
                try await process.start()
                processes.append(process)
            }
        }
        let prefix = "replicas-\(UUID().uuidString.prefix(8).lowercased())"
        let publisher = try TestPublisher()
        for index in 0..<600 {
            try publisher.publish(Fixtures.purchase("\(prefix)-\(index)", candidate: Fixtures.candidate("cand-\(prefix)-\(index % 20)")))
        }
        try publisher.confirm()

        let database = try TestStack.adminDatabase()
        func count(_ sql: String) throws -> Int { try database.query(sql, ["\(prefix)-%"])[0].decode("n") }
        let done = try await eventually(timeout: .seconds(120), {
            (try count("SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id LIKE $1"),
             try count("SELECT count(*) AS n FROM authorizations.outbox WHERE sent_at IS NULL AND body::jsonb -> 'data' ->> 'purchaseId' LIKE $1"))
        }, until: { $0.0 == 600 && $0.1 == 0 })
        #expect(done.0 == 600)
        #expect(done.1 == 0)
        #expect(try count("SELECT count(*) AS n FROM authorizations.outbox WHERE routing_key = 'authorization.opened' AND body::jsonb -> 'data' ->> 'purchaseId' LIKE $1") == 600)
        // Both authorizations replicas applied purchases (each counts its own in /metrics), 600 in all.
        var applied: [Int] = []
        for replica in processes where replica.name == "authorizations" {
            applied.append(Int(try await replica.metric("examhall_messages_consumed_total{type=\"purchase.completed\",outcome=\"applied\"}") ?? 0))
        }
        #expect(applied.count == 2 && applied.allSatisfy { $0 > 0 }, "applied per replica: \(applied)")
        #expect(applied.reduce(0, +) == 600)
        for process in processes { #expect(await process.readiness() == 200, "\(process.name):\(process.port)") }
    }
}
