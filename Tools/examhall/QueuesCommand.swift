import ArgumentParser
import ExamHallMessaging
import Foundation

/// Depth, consumers and dead letters of every service queue, and the messages nobody consumes.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "Show each service's inbox and dead-letter queue, and the unroutable messages kept."
    )

    static let services = ["sessions", "authorizations", "verification", "notifications", "console"]

    func run() async throws {
        let endpoint = try CLIEnvironment.amqp()
        do {
            try AMQPConnection.open(endpoint, connectTimeout: .seconds(5)).close()
        } catch {
            throw CLIError("cannot reach RabbitMQ at \(endpoint): \(error)")
        }
        // A passive declare of a missing queue closes the channel, so each question gets a connection.
        func ask(_ queue: String) -> (Int, Int)? {
            guard let connection = try? AMQPConnection.open(endpoint) else { return nil }
            defer { connection.close() }
            return try? connection.declareQueue(queue, passive: true)
        }
        print("service".padding(toLength: 16, withPad: " ", startingAt: 0) + "inbox  consumers  dead")
        for service in Self.services {
            let inbox = ask("\(service).inbox")
            let dead = ask("\(service).dead")
            let line = service.padding(toLength: 16, withPad: " ", startingAt: 0)
                + (inbox.map { String($0.0) } ?? "-").padding(toLength: 7, withPad: " ", startingAt: 0)
                + (inbox.map { String($0.1) } ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0)
                + (dead.map { String($0.0) } ?? "-")
            print(line)
        }
        // Events with a routing key no service consumes, kept by the alternate exchange of examhall.inbound and examhall.events.
        print("\nunroutable      \(ask(ServiceTopology.unroutable).map { String($0.0) } ?? "-")")
        // The newest events published for observers (no service consumes them), kept up to 10,000.
        print("observed        \(ask(TopologyDefinitions.observedQueue).map { String($0.0) } ?? "-")")
    }
}
