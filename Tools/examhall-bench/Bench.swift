import ArgumentParser
import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "examhall-bench",
        abstract: "ExamHall benchmarks, each beside raw baselines measured in the same run (run through scripts/bench).",
        subcommands: [Ingestion.self, Booking.self, Reads.self, Notifications.self, Export.self, Startup.self, Tokens.self]
    )
}

/// purchase.completed → Open authorizations, beside the broker alone and PostgreSQL alone.
struct Ingestion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publish purchases and time until all are Open authorizations.")

    @Option(help: "Events per measurement") var events = 20_000
    @Option(help: "Body size of the raw baseline messages and rows, in bytes") var payloadBytes = 600

    func run() async throws { try await IdleInboxes.around { try await measure() } }

    private func measure() async throws {
        let (amqpURL, databaseURL) = (try adminSetting("EXAMHALL_AMQP_URL"), try adminSetting("EXAMHALL_DATABASE_URL"))
        let endpoint = try AMQPEndpoint(url: amqpURL)

        let broker = try RawBroker.measure(endpoint: endpoint, messages: events, payloadBytes: payloadBytes)
        report("raw broker: publish with confirms + consume with acks (quorum queue, no database)", events, broker)
        let postgres = try RawPostgres.measure(url: databaseURL, rows: events, payloadBytes: payloadBytes)
        report("raw PostgreSQL: one-row INSERT transactions, one client", events, postgres)
        let ours = try await measureIngestion(endpoint: endpoint, databaseURL: databaseURL)
        report("ExamHall ingestion: purchase.completed -> Open authorization (+ outbox event)", events, ours)

        let rate = { (seconds: Double) in Double(events) / seconds }
        print("")
        print("| scenario | events | seconds | rate (/s) | ratio to raw PostgreSQL | ratio to raw broker |")
        print("|---|---|---|---|---|---|")
        print(String(format: "| ingestion | %d | %.2f | %.0f | %.2f | %.2f |", events, ours, rate(ours), rate(ours) / rate(postgres), rate(ours) / rate(broker)))
        print(String(format: "| raw PostgreSQL baseline | %d | %.2f | %.0f | 1.00 | |", events, postgres, rate(postgres)))
        print(String(format: "| raw broker baseline | %d | %.2f | %.0f | | 1.00 |", events, broker, rate(broker)))
    }

    private func report(_ name: String, _ count: Int, _ seconds: Double) {
        print(String(format: "%@\n    %d in %.2f s = %.0f/s", name, count, seconds, Double(count) / seconds))
    }

    /// Publishes as the payment system would and polls the authorizations table until all are there.
    private func measureIngestion(endpoint: AMQPEndpoint, databaseURL: String) async throws -> Double {
        let prefix = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        let publisher = try AMQPConnection.open(endpoint)
        defer { publisher.close() }
        try publisher.enableConfirms()
        let started = ContinuousClock.now
        for index in 0..<events {
            let candidate = CandidateProfile(
                externalId: "\(prefix)-c\(index % 1000)", firstName: "Bench", lastName: "Candidate",
                email: "bench\(index % 1000)@example.org", language: "en", timeZone: "Europe/Paris"
            )
            let event = CloudEvent(source: "payment-system", time: .now, data: PurchaseCompleted(purchaseId: "\(prefix)-\(index)", candidate: candidate, examCode: "CLOUD-101"))
            try publisher.publish(OutgoingMessage(
                exchange: Exchange.inbound.rawValue, routingKey: PurchaseCompleted.type.rawValue, body: try event.encoded(),
                properties: MessageProperties(messageId: event.id, type: PurchaseCompleted.type.rawValue)
            ))
            if index % 500 == 499 { try publisher.waitForConfirms(timeout: .seconds(60)) }
        }
        try publisher.waitForConfirms(timeout: .seconds(60))
        // The poll shares the database with the service it measures, so it must cost little: index
        // lookups of the last 100 purchases published until they are all in, then one exact count of
        // them all. (A `LIKE` prefix count scanned the whole table every 50 ms and took about a third of
        // PostgreSQL's CPU during the run.)
        let purchases = (0..<events).map { "\(prefix)-\($0)" }
        func applied(_ ids: [String]) throws -> Int {
            try database.query("SELECT count(*) AS n FROM authorizations.authorizations WHERE purchase_id = ANY($1::text[])", [ids])[0].decode("n")
        }
        while try applied(Array(purchases.suffix(100))) < min(100, events) || applied(purchases) < events {
            try await Task.sleep(for: .milliseconds(50))
        }
        return (ContinuousClock.now - started).seconds
    }
}

/// The broker alone: a confirmed publisher and an acking consumer on their own connections and threads.
enum RawBroker {
    static func measure(endpoint: AMQPEndpoint, messages: Int, payloadBytes: Int) throws -> Double {
        let queue = "bench.raw.\(UUID().uuidString.prefix(8).lowercased())"
        let setup = try AMQPConnection.open(endpoint)
        defer { setup.close() }
        try setup.declareQueue(queue, arguments: ["x-queue-type": .string("quorum")])
        defer { try? setup.deleteQueue(queue) }

        let consumed = DispatchSemaphore(value: 0)
        let consumerReady = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var consumerError: (any Error)?
        let consumer = Thread {
            do {
                let connection = try AMQPConnection.open(endpoint)
                defer { connection.close() }
                try connection.startConsuming(queue, prefetch: 200)
                consumerReady.signal()
                var count = 0
                while count < messages {
                    guard let delivery = try connection.nextDelivery(timeout: .seconds(30)) else { throw AMQPError.timeout("raw deliveries") }
                    try connection.ack(delivery.deliveryTag)
                    count += 1
                }
            } catch {
                consumerError = error
                consumerReady.signal()
            }
            consumed.signal()
        }
        consumer.start()
        consumerReady.wait()

        let body = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
        let publisher = try AMQPConnection.open(endpoint)
        defer { publisher.close() }
        try publisher.enableConfirms()
        let started = ContinuousClock.now
        for index in 0..<messages {
            try publisher.publish(OutgoingMessage(exchange: "", routingKey: queue, body: body, properties: MessageProperties(messageId: String(index))))
            if index % 500 == 499 { try publisher.waitForConfirms(timeout: .seconds(60)) }
        }
        try publisher.waitForConfirms(timeout: .seconds(60))
        consumed.wait()
        if let consumerError { throw consumerError }
        return (ContinuousClock.now - started).seconds
    }
}

/// PostgreSQL alone: one client, one row per transaction (autocommit INSERT), durable commits.
enum RawPostgres {
    static func measure(url: String, rows: Int, payloadBytes: Int) throws -> Double {
        let connection = try PGConnection.connect(url: url, schema: nil, applicationName: "examhall-bench")
        let table = "bench_raw_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute("CREATE TABLE public.\(table) (id bigserial PRIMARY KEY, message_id text NOT NULL UNIQUE, body text NOT NULL)")
        defer { _ = try? connection.execute("DROP TABLE public.\(table)") }
        let body = String(repeating: "x", count: payloadBytes)
        let started = ContinuousClock.now
        for index in 0..<rows {
            try connection.execute("INSERT INTO public.\(table) (message_id, body) VALUES ($1, $2)", [String(index), body])
        }
        return (ContinuousClock.now - started).seconds
    }
}

/// A setting of the admin environment the benchmarks run with.
func adminSetting(_ name: String) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
        throw ValidationError("\(name) is not set: run with the admin environment, eval \"$(scripts/stack env admin)\"")
    }
    return value
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
