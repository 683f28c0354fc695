import Synchronization

/// Writes what became of each email while the sender goes on to the next one. Outcomes that come in
/// while a write is under way wait and go together in the next write, so at the mail server's pace a
/// group of emails costs one statement and one commit, and an outcome never waits for more than the
/// write in progress. Writes happen one at a time, in the order the emails went out.
final class OutcomeRecorder<Outcome: Sendable>: Sendable {
    private struct State {
        var waiting: [Outcome] = []
        var writer: Task<Void, Never>?
        var failure: (any Error)?
    }

    private let state = Mutex(State())
    private let write: @Sendable ([Outcome]) async throws -> Void

    init(write: @escaping @Sendable ([Outcome]) async throws -> Void) {
        self.write = write
    }

    /// Queues `outcome`; throws the error of an earlier write that failed, after which nothing more
    /// is written (the caller stops sending: those emails' leases run out and they go again).
    func add(_ outcome: Outcome) throws {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.waiting.append(outcome)
            if state.writer == nil { state.writer = Task { await self.writeUntilEmpty() } }
        }
    }

    /// Waits until everything added is written; throws the error of a write that failed.
    func finish() async throws {
        while let writer = state.withLock({ $0.writer }) { await writer.value }
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    private func writeUntilEmpty() async {
        while true {
            // Taking the group and, when there is none, retiring the writer happen under one lock, so
            // an outcome added meanwhile either joins a group or starts a new writer.
            let group = state.withLock { state -> [Outcome] in
                let group = state.waiting
                state.waiting = []
                if group.isEmpty { state.writer = nil }
                return group
            }
            guard !group.isEmpty else { return }
            do {
                try await write(group)
            } catch {
                state.withLock { state in
                    state.failure = error
                    state.waiting = []
                    state.writer = nil
                }
                return
            }
        }
    }
}
