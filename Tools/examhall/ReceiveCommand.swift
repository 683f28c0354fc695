import ArgumentParser
import ExamHallMessaging
import Foundation

/// What the external system does with `examhall.outbound`: a durable queue of its own, bound to the
/// messages it wants, read and acknowledged one by one. For the demo and for trying the contract out.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive", abstract: "Bind a queue to an exchange (as the external system would) and print what arrives."
    )

    @Option(help: "The receiver's queue (declared a durable quorum queue if missing)") var queue = "external-system.results"
    @Option(help: "Exchange to bind to") var exchange = "examhall.outbound"
    @Option(help: "Routing key to bind") var routingKey = "result.verified"
    @Flag(help: "Only declare and bind the queue, so nothing published from now on is missed") var declareOnly = false
    @Option(help: "Stop after this many messages") var count = 1
    @Option(help: "Wait for the message with this id; others are acknowledged and named only") var messageId: String?
    @Option(help: "Give up after this many seconds") var timeout = 60

    /// What a receiver of `examhall.outbound` should declare: durable and replicated, so that what
    /// ExamHall's outbox handed over survives a broker restart or the loss of one node.
    static let receiverQueueArguments: [String: AMQPValue] = ["x-queue-type": .string("quorum")]

    /// A connection on which `queue` exists: declared now, or kept as it is when it was declared before
    /// with other arguments (a classic queue), which the broker answers by closing the channel.
    static func open(declaring queue: String) throws -> AMQPConnection {
        let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
        do {
            try connection.declareQueue(queue, arguments: receiverQueueArguments)
            return connection
        } catch {
            connection.close()
            guard error.isPreconditionFailed else { throw error }
        }
        let again = try AMQPConnection.open(try CLIEnvironment.amqp())
        try again.declareQueue(queue, passive: true)
        print("queue \(queue) already exists with other arguments; kept as it is")
        return again
    }

    func run() async throws {
        let connection = try Self.open(declaring: queue)
        defer { connection.close() }
        try connection.bindQueue(queue, exchange: exchange, routingKey: routingKey)
        if declareOnly {
            print("queue \(queue) bound to \(exchange) with \(routingKey)")
            return
        }
        let deadline = Date.now.addingTimeInterval(TimeInterval(timeout))
        var received = 0
        while received < count {
            guard let delivery = try connection.get(queue) else {
                guard Date.now < deadline else { throw CLIError("received \(received) of \(count) messages on \(queue) within \(timeout) s") }
                try await Task.sleep(for: .milliseconds(250))
                continue
            }
            let id = delivery.properties.messageId ?? "-"
            try connection.ack(delivery.deliveryTag)
            if let messageId, id != messageId {
                print("(also received \(id))")
                continue
            }
            print("message-id: \(id)  routing key: \(delivery.routingKey)\(delivery.redelivered ? "  (redelivered)" : "")")
            print(Self.pretty(delivery.body))
            received += 1
        }
    }

    static func pretty(_ body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return String(decoding: body, as: UTF8.self) }
        return String(decoding: data, as: UTF8.self)
    }
}
