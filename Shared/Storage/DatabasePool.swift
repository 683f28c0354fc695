import Logging
import NIOPosix
import Synchronization

/// A fixed set of libpq connections, each used on one of as many threads, so blocking libpq calls never
/// stall Swift's cooperative pool. Connections open lazily and are replaced after the server goes away.
public final class DatabasePool: Sendable {
    private let settings: DatabaseSettings
    private let threads: NIOThreadPool
    private let idle = Mutex<[PGConnection]>([])
    private let logger: Logger
    /// The reachability round trip under way and when it began (see `isReachable`).
    private let ping = Mutex<(answer: Task<Bool, Never>, started: ContinuousClock.Instant)?>(nil)

    public init(settings: DatabaseSettings, size: Int, logger: Logger) {
        self.settings = settings
        self.threads = NIOThreadPool(numberOfThreads: max(1, size))
        self.logger = logger
        threads.start()
    }

    public func shutdown() async {
        try? await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    /// Runs `body` with a connection of its own. A transaction left open by `body` is rolled back.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in
            let connection = try checkout()
            do {
                let result = try body(connection)
                checkin(connection)
                return result
            } catch let error as PostgresError where error.kind == .connection {
                // One dead connection usually means the server restarted: drop the idle ones too.
                idle.withLock { $0.removeAll() }
                throw error
            } catch {
                checkin(connection)
                throw error
            }
        }
    }

    /// Runs `body` inside BEGIN … COMMIT; any error rolls back and is rethrown. `settings` (`SET LOCAL …`)
    /// hold for this transaction only and cost no round trip of their own.
    public func transaction<T: Sendable>(settings: [String] = [], _ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await withConnection { connection in
            try connection.transaction(settings: settings) { try body(connection) }
        }
    }

    /// True when a round trip to the server completes within `limit`. Readiness asks this every few
    /// seconds, and a server cut off by the network (no FIN, no RST) must show as down at once rather
    /// than hold the probe until TCP gives up. The round trip cannot be abandoned (libpq blocks its
    /// thread), so callers share the one under way: a long partition does not pile round trips up on
    /// the pool's threads, and one outstanding for longer than `limit` answers down at once.
    public func isReachable(within limit: Duration = .seconds(2)) async -> Bool {
        let (answer, started) = ping.withLock { current in
            if let current { return current }
            let answer = Task { [self] in
                let reached = (try? await withConnection { try $0.execute("SELECT 1") }) != nil
                ping.withLock { $0 = nil }
                return reached
            }
            current = (answer, ContinuousClock.now)
            return current!
        }
        let remaining = limit - (ContinuousClock.now - started)
        guard remaining > .zero else { return false }
        let first = FirstAnswer()
        return await withCheckedContinuation { continuation in
            let deadline = Task {
                try? await Task.sleep(for: remaining)
                if first.claim() { continuation.resume(returning: false) }
            }
            Task {
                let reached = await answer.value
                deadline.cancel()
                if first.claim() { continuation.resume(returning: reached) }
            }
        }
    }

    private func checkout() throws -> PGConnection {
        if let connection = idle.withLock({ $0.popLast() }), connection.isHealthy { return connection }
        return try settings.connect()
    }

    private func checkin(_ connection: PGConnection) {
        guard connection.isHealthy else { return }
        if connection.isInTransaction {
            guard (try? connection.execute("ROLLBACK")) != nil else { return }
        }
        idle.withLock { $0.append(connection) }
    }
}

/// Lets exactly one of several racing tasks answer a continuation.
private final class FirstAnswer: Sendable {
    private let taken = Atomic<Bool>(false)

    func claim() -> Bool {
        taken.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}
