import ArgumentParser
import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// Verified results to the external system: attempts that are finished, verified and connected to an
/// authorization are exported by a running `examhall-verification` (`POST /exports/run`, as the job
/// does on its interval) and received as `result.verified` on `examhall.outbound`, beside the raw broker
/// moving as many messages with confirms and acks, and raw PostgreSQL committing as many one-row
/// inserts, in the same run.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export verified results through a running verification service.")

    @Option(help: "Base URL of the verification service") var url = "http://127.0.0.1:18283"
    @Option(help: "Verified attempts to export") var attempts = 10_000

    func run() async throws { try await IdleInboxes.around { try await measure() } }

    private func measure() async throws {
        let (amqpURL, databaseURL, secret) = (try adminSetting("EXAMHALL_AMQP_URL"), try adminSetting("EXAMHALL_DATABASE_URL"), try adminSetting("EXAMHALL_JWT_SECRET"))
        let endpoint = try AMQPEndpoint(url: amqpURL)
        let raw = try RawBroker.measure(endpoint: endpoint, messages: attempts, payloadBytes: 600)
        let postgres = try RawPostgres.measure(url: databaseURL, rows: attempts, payloadBytes: 600)

        let prefix = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        // Earlier runs left nothing due: every attempt they seeded was exported.
        try database.execute(
            "INSERT INTO verification.authorizations (id, purchase_id) SELECT $1 || '-a' || g, $1 || '-p' || g FROM generate_series(1, $2) g",
            [prefix, attempts]
        )
        try database.execute(
            """
            INSERT INTO verification.attempts (id, session_id, candidate_id, exam_code, authorization_id, session_start, session_end, status,
                started_at, finished_at, score, max_score, passed, verdict, verified_by, verified_at, created_at, updated_at)
            SELECT gen_random_uuid(), $1 || '-s', $1 || '-c' || g, 'CLOUD-101', $1 || '-a' || g, now() - interval '3 hours', now() - interval '1 hour',
                'finished', now() - interval '3 hours', now() - interval '2 hours', 80, 100, true, 'positive', 'bench-csr', now(), now(), now()
            FROM generate_series(1, $2) g
            """, [prefix, attempts]
        )

        // The external system's side: a queue of its own on examhall.outbound.
        let receiver = try AMQPConnection.open(endpoint)
        defer { receiver.close() }
        let queue = "bench.export.\(prefix)"
        try receiver.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        try receiver.bindQueue(queue, exchange: Exchange.outbound.rawValue, routingKey: ResultVerified.type.rawValue)
        try receiver.startConsuming(queue, prefetch: 500)

        let admin = try await TokenAuthority(secret: secret).sign(Principal(subject: "bench-admin", role: .admin), validFor: 3600)
        let client = HTTPBench(base: URL(string: url)!)
        let started = ContinuousClock.now
        let trigger = Task {
            // As the job does: rounds of up to 200 until one finds nothing due.
            while true {
                let reply = try await client.send("POST", "/exports/run", token: admin)
                guard reply.status == 200, let exported = reply.json["exported"] as? Int else { throw ValidationError("exports/run: \(reply.status) \(reply.text)") }
                if exported == 0 { return }
            }
        }
        var ids = Set<String>()
        var copies = 0
        while ids.count < attempts {
            guard let delivery = try receiver.nextDelivery(timeout: .seconds(60)) else { throw ValidationError("only \(ids.count) of \(attempts) results arrived") }
            try receiver.ack(delivery.deliveryTag)
            let event = try EnvelopeDecoder.decode(ResultVerified.self, from: delivery.body)
            guard event.data.purchaseId.hasPrefix(prefix) else { continue }
            if !ids.insert(event.id).inserted { copies += 1 }
        }
        let seconds = (ContinuousClock.now - started).seconds
        try await trigger.value
        let exported: Int = try database.query(
            "SELECT count(*)::int AS n FROM verification.attempts WHERE session_id = $1 AND exported_at IS NOT NULL", ["\(prefix)-s"]
        )[0].decode("n")
        guard exported == attempts else { throw ValidationError("\(exported) of \(attempts) attempts marked exported") }

        print(String(format: "raw broker: publish with confirms + consume with acks (quorum queue)\n    %d in %.2f s = %.0f/s", attempts, raw, Double(attempts) / raw))
        print(String(format: "raw PostgreSQL: one-row INSERT transactions, one client\n    %d in %.2f s = %.0f/s", attempts, postgres, Double(attempts) / postgres))
        print(String(format: "ExamHall export: verified attempt -> result.verified received on examhall.outbound\n    %d in %.2f s = %.0f/s (%d repeated copies)",
                     attempts, seconds, Double(attempts) / seconds, copies))
        print("")
        print("| scenario | results | seconds | rate (/s) | ratio to raw PostgreSQL | ratio to raw broker |")
        print("|---|---|---|---|---|---|")
        print(String(format: "| export (verified attempt → `result.verified` received) | %d | %.2f | %.0f | %.2f | %.2f |", attempts, seconds, Double(attempts) / seconds, postgres / seconds, raw / seconds))
        print(String(format: "| raw PostgreSQL baseline | %d | %.2f | %.0f | 1.00 | |", attempts, postgres, Double(attempts) / postgres))
        print(String(format: "| raw broker baseline | %d | %.2f | %.0f | | 1.00 |", attempts, raw, Double(attempts) / raw))
    }
}
