import ArgumentParser
import ExamHallMessaging
import ExamHallModels
import Foundation

/// Publishes one message as an external system would (e.g. with `scripts/stack env payment-system`).
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a CloudEvents message read from a file or standard input.",
        discussion: "The routing key is the envelope's `type`; the message id is its `id`."
    )

    @Option(help: "Exchange to publish to") var exchange = Exchange.inbound.rawValue
    @Argument(help: "File with the JSON envelope; '-' for standard input") var file = "-"

    func run() async throws {
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        let body = Array(data)
        let metadata = try EnvelopeDecoder.metadata(from: body)
        let message = OutgoingMessage(
            exchange: exchange, routingKey: metadata.type.rawValue, body: body,
            properties: MessageProperties(messageId: metadata.id, type: metadata.type.rawValue, correlationId: metadata.correlationid)
        )
        let connection = try AMQPConnection.open(try CLIEnvironment.amqp())
        defer { connection.close() }
        try connection.enableConfirms()
        try connection.publish(message, mandatory: true)
        let outcome = try connection.awaitConfirms(timeout: .seconds(10))
        if let returned = outcome.returned.first { throw CLIError("no queue took \(metadata.type) on \(exchange): \(returned.reason)") }
        if !outcome.nacked.isEmpty { throw CLIError("the broker refused \(metadata.type) (a queue is full); publish it again later") }
        print("published \(metadata.type) \(metadata.id) to \(exchange)")
    }
}
