import NIOPosix

/// The one thread a rabbitmq-c connection lives on. Async callers hop onto it for each blocking call.
final class AMQPThread: Sendable {
    private let pool = NIOThreadPool(numberOfThreads: 1)

    init() { pool.start() }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    func shutdown() async { try? await pool.shutdownGracefully() }
}

/// State that only code running on one `AMQPThread` touches.
final class ThreadConfined<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
