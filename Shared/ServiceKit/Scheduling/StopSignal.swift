import ServiceLifecycle
import Synchronization

/// `Task.isStopping` for work that runs outside Swift concurrency, such as a blocking loop on a thread of
/// its own: a flag that goes up when the task that set it up is asked to stop (SIGTERM or cancellation).
public final class StopSignal: Sendable {
    private let raised = Atomic<Bool>(false)

    public var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Runs `body` with a signal that goes up when the current task is asked to stop.
    public static func watching<T: Sendable>(_ body: @Sendable (StopSignal) async throws -> T) async throws -> T {
        let signal = StopSignal()
        if Task.isStopping { signal.raise() }
        return try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await body(signal)
            } onCancel: {
                signal.raise()
            }
        } onGracefulShutdown: {
            signal.raise()
        }
    }

    private func raise() { raised.store(true, ordering: .relaxed) }
}
