import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation
import Synchronization

/// Group commit for booking requests. Requests that arrive while a transaction is running wait for
/// the next one and share it: one BEGIN/COMMIT (and one durable flush) for many bookings. Alone, a
/// request runs at once, so there is no added delay when the service is quiet.
///
/// Every booking in a batch is decided and written exactly as it would be alone (`BookingWorkflow`),
/// in session order so that concurrent batches lock sessions in the same order. A refusal decided
/// before anything was written stays that request's answer; if anything written must be undone, the
/// whole batch is rolled back and each request runs again in its own transaction.
final class BookingBatcher: Sendable {
    private struct Waiting {
        let command: BookingWorkflow.BookCommand
        let correlationId: String?
        let continuation: CheckedContinuation<Booking, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var running = 0
    }

    private let environment: ServiceEnvironment
    private let state = Mutex(State())
    /// Transactions in flight per process: one fills while the other commits.
    private let concurrency: Int
    private let maximumBatch: Int

    init(environment: ServiceEnvironment, concurrency: Int = 2, maximumBatch: Int = 64) {
        self.environment = environment
        self.concurrency = concurrency
        self.maximumBatch = maximumBatch
    }

    func book(_ command: BookingWorkflow.BookCommand, correlationId: String?) async throws -> Booking {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.waiting.append(Waiting(command: command, correlationId: correlationId, continuation: continuation)) }
            startNextBatch()
        }
    }

    private func startNextBatch() {
        let batch: [Waiting]? = state.withLock { state in
            guard state.running < concurrency, !state.waiting.isEmpty else { return nil }
            state.running += 1
            let taken = Array(state.waiting.prefix(maximumBatch))
            state.waiting.removeFirst(taken.count)
            return taken
        }
        guard let batch else { return }
        Task {
            await run(batch.sorted { $0.command.sessionId.uuidString < $1.command.sessionId.uuidString })
            state.withLock { $0.running -= 1 }
            startNextBatch()
        }
    }

    private func run(_ batch: [Waiting]) async {
        let now = environment.clock()
        let window = environment.configuration.paymentWindow
        let source = environment.source
        let commands = batch.map { ($0.command, $0.correlationId) }
        do {
            let results = try await environment.database.transaction { connection -> [Result<Booking, any Error>] in
                try commands.map { command, correlationId in
                    let outbox = OutboxWriter(source: source, correlationId: correlationId, causationId: nil, now: now)
                    let workflow = BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window)
                    do {
                        return .success(try workflow.place(try workflow.plan(command)))
                    } catch let refusal as BookingRefusal {
                        return .failure(refusal)
                    } catch let missing as NotFound {
                        return .failure(missing)
                    }
                }
            }
            for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
        } catch {
            if batch.count > 1 {
                environment.logger.debug("booking batch rolled back; each request runs alone", metadata: ["error": "\(error)", "size": "\(batch.count)"])
            }
            for waiting in batch {
                let outbox = OutboxWriter(source: source, correlationId: waiting.correlationId, causationId: nil, now: now)
                let command = waiting.command
                do {
                    let booking = try await environment.database.transaction { connection in
                        try BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window).book(command)
                    }
                    waiting.continuation.resume(returning: booking)
                } catch {
                    waiting.continuation.resume(throwing: error)
                }
            }
        }
    }
}
