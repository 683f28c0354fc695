import Foundation

/// Where and as whom to reach RabbitMQ, read from an `amqp://user:password@host:port/vhost?heartbeat=10`
/// URL, or `amqps://…` for TLS: the broker's certificate is verified, hostname included, against the
/// authorities in `cacertfile` (the system's by default); `certfile` and `keyfile` present a client
/// certificate. The query options are those of RabbitMQ's URI spec.
public struct AMQPEndpoint: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    /// Seconds between heartbeats; a dead peer is noticed within twice this.
    public var heartbeat: Int
    /// How to speak TLS to the broker; nil: plain TCP.
    public var tls: AMQPTLS?

    /// The system's certificate authorities (Debian's bundle), trusted when `cacertfile` names none.
    public static let systemCertificateAuthorities = "/etc/ssl/certs/ca-certificates.crt"

    public init(url: String) throws(AMQPError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["amqp", "amqps"].contains(scheme) else {
            throw .invalidURL("expected amqp://user:password@host:port/vhost or amqps://…")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("missing host") }
        self.host = host
        self.port = components.port ?? (scheme == "amqps" ? 5671 : 5672)
        self.user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "guest"
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? "guest"
        let path = components.percentEncodedPath
        let vhost = path.isEmpty || path == "/" ? "/" : String(path.dropFirst()).removingPercentEncoding ?? ""
        self.vhost = vhost.isEmpty ? "/" : vhost
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["heartbeat", "cacertfile", "certfile", "keyfile"].contains(item.name), let value = item.value, !value.isEmpty else {
                throw .invalidURL("unknown or empty option '\(item.name)' (heartbeat, cacertfile, certfile, keyfile)")
            }
            options[item.name] = value
        }
        guard let heartbeat = Int(options["heartbeat"] ?? "10"), (0...600).contains(heartbeat) else {
            throw .invalidURL("heartbeat must be 0-600 seconds")
        }
        self.heartbeat = heartbeat
        guard (options["certfile"] == nil) == (options["keyfile"] == nil) else {
            throw .invalidURL("certfile and keyfile go together")
        }
        if scheme == "amqps" {
            tls = AMQPTLS(
                certificateAuthorities: options["cacertfile"] ?? Self.systemCertificateAuthorities,
                certificate: options["certfile"], key: options["keyfile"]
            )
        } else if options["cacertfile"] != nil || options["certfile"] != nil {
            throw .invalidURL("cacertfile, certfile and keyfile need amqps://")
        }
    }

    /// The URL with the password hidden, for logs.
    public var description: String { "\(tls == nil ? "amqp" : "amqps")://\(user):***@\(host):\(port)/\(vhost)" }
}

/// TLS to the broker: whom to trust, and the client certificate to present, if any (PEM files).
public struct AMQPTLS: Sendable, Equatable {
    public var certificateAuthorities: String
    public var certificate: String?
    public var key: String?

    /// The files that cannot be read, for a start-up check that names them.
    public var unreadableFiles: [String] {
        [certificateAuthorities, certificate, key].compactMap { $0 }.filter { !FileManager.default.isReadableFile(atPath: $0) }
    }
}
