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

    /// Reads the dead letters one at a time without removing them, handing each to `body` until it
    /// returns false; closing the connection returns them all to the queue. Only one letter's body is
    /// in memory at once, however long the queue.
    static func scan(_ queue: String, _ body: (AMQPConnection, Delivery) throws -> Bool) throws {
        let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
        defer { connection.close() }
        while let letter = try connection.get(queue), try body(connection, letter) {}
    }

    static func reason(_ letter: Delivery) -> String {
        if let reason = letter.properties.headers[DeadLetter.reasonHeader]?.stringValue { return reason }
        // Dead-lettered by the broker itself (delivery limit reached): it says why in x-first-death-reason.
        if let reason = letter.properties.headers["x-first-death-reason"]?.stringValue { return "broker: \(reason)" }
        return "unknown"
    }

    /// Where a letter was first published: from ExamHall's own headers, or, for a letter the broker
    /// dead-lettered itself, from its `x-death` record of the inbox it died in.
    static func origin(of letter: Delivery, inbox: String) -> (exchange: String, routingKey: String)? {
        let headers = letter.properties.headers
        if let exchange = headers[DeadLetter.originalExchangeHeader]?.stringValue,
           let routingKey = headers[DeadLetter.originalRoutingKeyHeader]?.stringValue, !routingKey.isEmpty {
            return (exchange, routingKey)
        }
        guard case let .array(deaths)? = headers["x-death"] else { return nil }
        for case let .table(death) in deaths where death["queue"]?.stringValue == inbox {
            guard let exchange = death["exchange"]?.stringValue, case let .array(keys)? = death["routing-keys"],
                  let routingKey = keys.first?.stringValue else { continue }
            return (exchange, routingKey)
        }
        return nil
    }

    struct Page: ParsableArguments {
        @Option(help: "Letters to show at most") var limit = 100
        @Option(help: "Letters to skip first, oldest first") var offset = 0

        func validate() throws {
            guard (1...10_000).contains(limit), offset >= 0 else { throw ValidationError("limit must be 1 to 10000, offset 0 or more") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per dead letter, a page at a time: id, type, reason.",
            discussion: """
                Oldest first (by when it was dead-lettered, then by id), a stable order whatever the broker does with
                the letters between two reads. Each letter is read once and only its id, type and reason kept.
                """
        )
        @OptionGroup var target: Target
        @OptionGroup var page: Page

        func run() async throws {
            var lines: [(at: Int64, id: String, text: String)] = []
            try DeadCommand.scan(target.deadQueue) { _, letter in
                let id = letter.properties.messageId ?? "-"
                let routingKey = DeadCommand.origin(of: letter, inbox: target.inboxQueue)?.routingKey ?? letter.routingKey
                let at = letter.properties.headers[DeadLetter.deadLetteredAtHeader]?.intValue ?? 0
                lines.append((at, id, "\(id)\t\(routingKey)\t\(DeadCommand.reason(letter))"))
                return true
            }
            if lines.isEmpty { print("no dead letters in \(target.deadQueue)") }
            lines.sort { ($0.at, $0.id) < ($1.at, $1.id) }
            for line in lines.dropFirst(page.offset).prefix(page.limit) { print(line.text) }
            if lines.count > page.offset + page.limit { print("(more: --offset \(page.offset + page.limit) of \(lines.count))") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Headers and body of one dead letter.")
        @OptionGroup var target: Target
        @Argument(help: "The message id") var messageId: String

        func run() async throws {
            var found = false
            try DeadCommand.scan(target.deadQueue) { _, letter in
                guard letter.properties.messageId == messageId else { return true }
                found = true
                print("message id: \(messageId)")
                print("reason: \(DeadCommand.reason(letter))")
                if let origin = DeadCommand.origin(of: letter, inbox: target.inboxQueue) { print("published on: \(origin.exchange) \(origin.routingKey)") }
                for (key, value) in letter.properties.headers.sorted(by: { $0.key < $1.key }) { print("header \(key): \(value)") }
                print("body (\(letter.body.count) bytes):")
                print(String(decoding: letter.body.prefix(64 * 1024), as: UTF8.self))
                return false
            }
            if !found { throw CLIError("no dead letter \(messageId) in \(target.deadQueue)") }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead letters back on the service's inbox (after the cause is fixed).",
            discussion: """
                Each is republished with confirms and mandatory before it leaves the dead-letter queue: nothing is lost on
                the way. Letters the broker dead-lettered itself are replayed from their x-death record.
                """
        )
        @OptionGroup var target: Target
        @Argument(help: "Message ids to replay") var messageIds: [String] = []
        @Flag(help: "Replay every dead letter") var all = false

        func validate() throws {
            if messageIds.isEmpty != all { throw ValidationError("name message ids or pass --all, not both") }
        }

        /// Letters republished but not yet confirmed, and so not yet removed from the dead queue.
        static let chunk = 100

        func run() async throws {
            let publisher = try AMQPConnection.open(try CLIEnvironment.amqp())
            defer { publisher.close() }
            try publisher.enableConfirms()
            var wanted = Set(messageIds)
            var pending: [UInt64] = []
            var replayed = 0
            func settle(_ consumer: AMQPConnection) throws {
                guard !pending.isEmpty else { return }
                let outcome = try publisher.awaitConfirms(timeout: .seconds(30))
                guard outcome.isClean else {
                    throw CLIError("the broker did not take every replayed letter (is \(target.inboxQueue) there?); they stay in \(target.deadQueue)")
                }
                for tag in pending { try consumer.ack(tag) }
                replayed += pending.count
                pending = []
            }
            // Letters are taken one at a time and acked only once their copy is confirmed: the rest stay
            // in the dead queue (closing the connection returns what was taken but not replayed).
            let consumer = try AMQPConnection.open(try CLIEnvironment.amqp())
            defer { consumer.close() }
            while all || !wanted.isEmpty, let letter = try consumer.get(target.deadQueue) {
                let id = letter.properties.messageId ?? ""
                guard all || wanted.remove(id) != nil else { continue }
                guard let origin = DeadCommand.origin(of: letter, inbox: target.inboxQueue) else {
                    throw CLIError("dead letter \(id) says neither where it was published nor which inbox it died in; not replayed")
                }
                var properties = letter.properties
                properties.headers = properties.headers.filter {
                    !$0.key.hasPrefix("x-examhall-") && !$0.key.hasPrefix("x-death") && !$0.key.hasPrefix("x-first-death")
                        && !$0.key.hasPrefix("x-last-death") && $0.key != "x-delivery-count"
                }
                properties.headers["x-examhall-replayed-from"] = .string(target.deadQueue)
                // The original exchange and routing key travel along, so the service's handler routing sees
                // the message exactly as it first arrived; the default exchange delivers it to the inbox.
                properties.headers[DeadLetter.originalExchangeHeader] = .string(origin.exchange)
                properties.headers[DeadLetter.originalRoutingKeyHeader] = .string(origin.routingKey)
                try publisher.publish(
                    OutgoingMessage(exchange: "", routingKey: target.inboxQueue, body: letter.body, properties: properties), mandatory: true
                )
                pending.append(letter.deliveryTag)
                if pending.count >= Self.chunk { try settle(consumer) }
            }
            try settle(consumer)
            if !wanted.isEmpty { throw CLIError("not in \(target.deadQueue): \(wanted.sorted().joined(separator: ", "))") }
            print("replayed \(replayed) dead letter(s) to \(target.inboxQueue)")
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
