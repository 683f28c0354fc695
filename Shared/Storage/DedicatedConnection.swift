import NIOPosix
import Synchronization

/// One connection on one thread for one owner, who may keep a transaction open across `await`s
/// (the outbox relay claims rows, awaits the broker's confirms, then marks them sent and commits).
public final class DedicatedConnection: Sendable {
    private let settings: DatabaseSettings
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let connection = Mutex<PGConnection?>(nil)

    public init(settings: DatabaseSettings) {
        self.settings = settings
        thread.start()
    }

    public func shutdown() async {
        try? await thread.shutdownGracefully()
        connection.withLock { $0 = nil }
    }

    /// Runs `body` on the connection, opening it first if needed. After a connection failure the next
    /// call reconnects; an open transaction does not survive that, which is what the owner relies on.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await thread.runIfActive { [self] in
            let current = try connection.withLock { current -> PGConnection in
                if let existing = current, existing.isHealthy { return existing }
                let fresh = try settings.connect()
                current = fresh
                return fresh
            }
            do {
                return try body(current)
            } catch let error as PostgresError where error.kind == .connection {
                connection.withLock { $0 = nil }
                throw error
            }
        }
    }
}
