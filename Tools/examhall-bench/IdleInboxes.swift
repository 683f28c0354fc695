import ExamHallMessaging
import Foundation

/// A benchmark runs one service; the events it publishes pile up in the inboxes of the services that do
/// not run (nobody consumes them there). A backlog of hundreds of thousands of messages left by earlier
/// runs makes the broker slower for the next run, so each benchmark empties the inboxes nobody
/// consumes, before it starts and when it ends. An inbox with a consumer (a running service) is left
/// alone.
enum IdleInboxes {
    static let services = ["authorizations", "sessions", "verification", "notifications"]

    /// Purges every ExamHall inbox without a consumer; returns how many messages were dropped.
    @discardableResult
    static func purge() -> Int {
        guard let url = try? adminSetting("EXAMHALL_AMQP_URL"), let endpoint = try? AMQPEndpoint(url: url) else { return 0 }
        var purged = 0
        for queue in services.map({ "\($0).inbox" }) {
            // A passive declare of a missing queue closes the connection: one connection per queue.
            guard let connection = try? AMQPConnection.open(endpoint) else { continue }
            defer { connection.close() }
            guard let state = try? connection.declareQueue(queue, passive: true), state.consumers == 0, state.messages > 0 else { continue }
            purged += (try? connection.purgeQueue(queue)) ?? 0
        }
        return purged
    }

    /// Empties idle inboxes now and again when `body` ends.
    static func around<T>(_ body: () async throws -> T) async rethrows -> T {
        report(purge(), when: "before")
        defer { report(purge(), when: "after") }
        return try await body()
    }

    private static func report(_ purged: Int, when: String) {
        if purged > 0 { print("emptied \(purged) messages from inboxes of services not running (\(when) the run)") }
    }
}
