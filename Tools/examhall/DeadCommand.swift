import ArgumentParser
import ExamHallMessaging
import Foundation

/// Dead letters of a service: see why, replay after a fix, purge.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead", abstract: "Inspect, replay and purge a service's dead letters.",
        subcommands: [List.self, Show.self, Replay.self, Purge.self]
    )

    struct Target: ParsableArguments {
        @Argument(help: "sessions, authorizations, verification, notifications or console") var service: String

        func validate() throws {
            guard QueuesCommand.services.contains(service) else {
                throw ValidationError("service must be one of \(QueuesCommand.services.joined(separator: ", "))")
            }
        }

        var deadQueue: String { "\(service).dead" }
        var inboxQueue: String { "\(service).inbox" }
    }

    /// Reads every dead letter without removing it; closing the connection returns them to the queue.
    static func peek(_ queue: String, _ body: (AMQPConnection, [Delivery]) throws -> Void) throws {
        let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
        defer { connection.close() }
        var letters: [Delivery] = []
        while let letter = try connection.get(queue) { letters.append(letter) }
        try body(connection, letters)
    }

    static func reason(_ letter: Delivery) -> String {
        if let reason = letter.properties.headers[DeadLetter.reasonHeader]?.stringValue { return reason }
        // Dead-lettered by the broker itself (delivery limit reached): it says why in x-first-death-reason.
        if let reason = letter.properties.headers["x-first-death-reason"]?.stringValue { return "broker: \(reason)" }
        return "unknown"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead letter: id, type, reason.")
        @OptionGroup var target: Target

        func run() async throws {
            try DeadCommand.peek(target.deadQueue) { _, letters in
                if letters.isEmpty { print("no dead letters in \(target.deadQueue)") }
                for letter in letters {
                    let routingKey = letter.properties.headers[DeadLetter.originalRoutingKeyHeader]?.stringValue ?? letter.routingKey
                    print("\(letter.properties.messageId ?? "-")\t\(routingKey)\t\(DeadCommand.reason(letter))")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Headers and body of one dead letter.")
        @OptionGroup var target: Target
        @Argument(help: "The message id") var messageId: String

        func run() async throws {
            try DeadCommand.peek(target.deadQueue) { _, letters in
                guard let letter = letters.first(where: { $0.properties.messageId == messageId }) else {
                    throw CLIError("no dead letter \(messageId) in \(target.deadQueue)")
                }
                print("message id: \(messageId)")
                print("reason: \(DeadCommand.reason(letter))")
                for (key, value) in letter.properties.headers.sorted(by: { $0.key < $1.key }) { print("header \(key): \(value)") }
                print("body (\(letter.body.count) bytes):")
                print(String(decoding: letter.body.prefix(64 * 1024), as: UTF8.self))
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead letters back on the service's inbox (after the cause is fixed).",
            discussion: "Each is republished with confirms before it leaves the dead-letter queue: nothing is lost on the way."
        )
        @OptionGroup var target: Target
        @Argument(help: "Message ids to replay") var messageIds: [String] = []
        @Flag(help: "Replay every dead letter") var all = false

        func validate() throws {
            if messageIds.isEmpty != all { throw ValidationError("name message ids or pass --all, not both") }
        }

        func run() async throws {
            let publisher = try AMQPConnection.open(try CLIEnvironment.amqp())
            defer { publisher.close() }
            try publisher.enableConfirms()
            try DeadCommand.peek(target.deadQueue) { consumer, letters in
                let chosen = letters.filter { all || messageIds.contains($0.properties.messageId ?? "") }
                let missing = Set(messageIds).subtracting(chosen.compactMap(\.properties.messageId))
                if !missing.isEmpty { throw CLIError("not in \(target.deadQueue): \(missing.sorted().joined(separator: ", "))") }
                for letter in chosen {
                    var properties = letter.properties
                    properties.headers = properties.headers.filter { !$0.key.hasPrefix("x-examhall-") && !$0.key.hasPrefix("x-death") && !$0.key.hasPrefix("x-first-death") && !$0.key.hasPrefix("x-last-death") && $0.key != "x-delivery-count" }
                    properties.headers["x-examhall-replayed-from"] = .string(target.deadQueue)
                    // The original exchange and routing key are kept, so the service's handler routing sees
                    // the message exactly as it first arrived; the default exchange delivers it to the inbox.
                    let exchange = letter.properties.headers[DeadLetter.originalExchangeHeader]?.stringValue ?? ""
                    let routingKey = letter.properties.headers[DeadLetter.originalRoutingKeyHeader]?.stringValue ?? ""
                    properties.headers[DeadLetter.originalExchangeHeader] = .string(exchange)
                    properties.headers[DeadLetter.originalRoutingKeyHeader] = .string(routingKey)
                    try publisher.publish(OutgoingMessage(exchange: "", routingKey: target.inboxQueue, body: letter.body, properties: properties))
                }
                try publisher.waitForConfirms(timeout: .seconds(30))
                for letter in chosen { try consumer.ack(letter.deliveryTag) }
                print("replayed \(chosen.count) dead letter(s) to \(target.inboxQueue)")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every dead letter of a service.")
        @OptionGroup var target: Target
        @Flag(help: "Do not ask for confirmation") var yes = false

        func run() async throws {
            if !yes {
                print("Delete every message in \(target.deadQueue)? Type the service name to confirm: ", terminator: "")
                guard readLine() == target.service else { throw CLIError("not purged") }
            }
            let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
            defer { connection.close() }
            print("purged \(try connection.purgeQueue(target.deadQueue)) dead letter(s) from \(target.deadQueue)")
        }
    }
}
