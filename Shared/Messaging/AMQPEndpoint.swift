import Foundation

/// Where and as whom to reach RabbitMQ, read from an `amqp://user:password@host:port/vhost?heartbeat=10` URL.
public struct AMQPEndpoint: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    /// Seconds between heartbeats; a dead peer is noticed within twice this.
    public var heartbeat: Int

    public init(url: String) throws(AMQPError) {
        guard let components = URLComponents(string: url), components.scheme == "amqp" else {
            throw .invalidURL("expected amqp://user:password@host:port/vhost")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("missing host") }
        self.host = host
        self.port = components.port ?? 5672
        self.user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "guest"
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? "guest"
        let path = components.percentEncodedPath
        let vhost = path.isEmpty || path == "/" ? "/" : String(path.dropFirst()).removingPercentEncoding ?? ""
        self.vhost = vhost.isEmpty ? "/" : vhost
        let heartbeatText = components.queryItems?.first(where: { $0.name == "heartbeat" })?.value
        guard let heartbeat = Int(heartbeatText ?? "10"), (0...600).contains(heartbeat) else {
            throw .invalidURL("heartbeat must be 0-600 seconds")
        }
        self.heartbeat = heartbeat
    }

    /// The URL with the password hidden, for logs.
    public var description: String { "amqp://\(user):***@\(host):\(port)/\(vhost)" }
}
