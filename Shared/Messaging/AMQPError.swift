/// A failure talking to RabbitMQ.
public enum AMQPError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidURL(String)
    /// Could not open the TCP connection or log in.
    case connectionFailed(String)
    /// The broker closed the connection or channel (`code` as AMQP reply code, e.g. 403 access refused).
    case closedByServer(code: Int, text: String)
    /// rabbitmq-c reported an error (socket closed, heartbeat timeout, …).
    case library(String)
    /// The broker refused responsibility for a published message.
    case publishNacked
    case timeout(String)
    /// The broker holds this connection's publishes (`connection.blocked`: a memory or disk alarm).
    case blocked

    public var isAccessRefused: Bool {
        if case let .closedByServer(code, _) = self { return code == 403 }
        return false
    }

    /// 406: e.g. a queue declared again with other arguments than it has.
    public var isPreconditionFailed: Bool {
        if case let .closedByServer(code, _) = self { return code == 406 }
        return false
    }

    public var description: String {
        switch self {
        case let .invalidURL(detail): "invalid AMQP URL: \(detail)"
        case let .connectionFailed(detail): "cannot connect to RabbitMQ: \(detail)"
        case let .closedByServer(code, text): "RabbitMQ closed the channel: \(code) \(text)"
        case let .library(detail): "AMQP error: \(detail)"
        case .publishNacked: "RabbitMQ refused a published message (basic.nack)"
        case let .timeout(what): "timed out waiting for \(what)"
        case .blocked: "RabbitMQ holds publishes (connection.blocked: a memory or disk alarm)"
        }
    }
}
