import Foundation
import Glibc

/// LISTEN on its own connection: waits until PostgreSQL signals a channel or a timeout passes.
public final class NotificationListener: Sendable {
    private let connection: DedicatedConnection
    private let channel: String

    public init(settings: DatabaseSettings, channel: String) {
        self.connection = DedicatedConnection(settings: settings)
        self.channel = channel
    }

    public func shutdown() async { await connection.shutdown() }

    /// True if a notification arrived within `timeout`, false on timeout. Throws when the connection
    /// is lost; the next call reconnects and listens again.
    public func wait(timeout: Duration) async throws -> Bool {
        let channel = self.channel
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await connection.run { pg in
            try pg.ensureListening(channel)
            if pg.drainNotifications() { return true }
            var descriptor = pollfd(fd: pg.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno != EINTR { throw PostgresError(kind: .connection, message: "poll failed: \(errno)") }
            try pg.consumeInput()
            return pg.drainNotifications()
        }
    }
}

extension PGConnection {
    fileprivate func ensureListening(_ channel: String) throws {
        guard !listeningChannels.contains(channel) else { return }
        try executeScript("LISTEN \(PGConnection.quoteIdentifier(channel))")
        listeningChannels.insert(channel)
    }

    fileprivate func drainNotifications() -> Bool {
        var any = false
        while nextNotification() != nil { any = true }
        return any
    }
}
