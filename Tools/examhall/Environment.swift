import ExamHallMessaging
import Foundation

/// Settings the CLI reads from the environment, with one clear error when one is missing.
enum CLIEnvironment {
    static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw CLIError("\(name) is not set; try: eval \"$(scripts/stack env admin)\"")
        }
        return value
    }

    static func amqp() throws -> AMQPEndpoint {
        try AMQPEndpoint(url: value("EXAMHALL_AMQP_URL"))
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
