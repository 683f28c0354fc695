import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation
import Synchronization

/// Group commit for booking requests. Requests that arrive while a transaction is running wait for
/// the next one and share it: one BEGIN/COMMIT (and one durable flush) for many bookings. Alone, a
/// request runs at once, so there is no added delay when the service is quiet.
///
/// Transactions in flight never share a session: two that did would only wait for each other's seat
/// locks. A request for a session that a running batch holds waits for a later batch, and batches for
/// other sessions run meanwhile.
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
        /// Sessions of the batches in flight.
        var busy: Set<UUID> = []
    }

    private let environment: ServiceEnvironment
    private let state = Mutex(State())
    /// Transactions in flight per process, each on sessions of its own.
    private let concurrency: Int
    private let maximumBatch: Int

    /// `concurrency` defaults to half the database pool. Fewer transactions in flight make larger
    /// batches, and a batch costs about as many round trips and one commit whatever its size: with the
    /// default pool of 4, two in flight booked about 15 % more per second than four did (docs/BENCHMARKS.md).
    /// The other half of the pool stays free for reads, cancellations and events while bookings pour in.
    init(environment: ServiceEnvironment, concurrency: Int? = nil, maximumBatch: Int = 64) {
        self.environment = environment
        self.concurrency = concurrency ?? max(1, environment.configuration.databasePoolSize / 2)
        self.maximumBatch = maximumBatch
    }

    func book(_ command: BookingWorkflow.BookCommand, correlationId: String?) async throws -> Booking {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.waiting.append(Waiting(command: command, correlationId: correlationId, continuation: continuation)) }
            startNextBatch()
        }
    }

    /// Starts a batch when a transaction slot is free and some waiting request's session is not held;
    /// returns whether it started one.
    @discardableResult
    private func startNextBatch() -> Bool {
        let batch: [Waiting]? = state.withLock { state in
            guard state.running < concurrency else { return nil }
            // The oldest waiting requests whose sessions no running batch holds, in arrival order.
            var taken: [Waiting] = []
            var left: [Waiting] = []
            for waiting in state.waiting {
                if taken.count < maximumBatch, !state.busy.contains(waiting.command.sessionId) { taken.append(waiting) } else { left.append(waiting) }
            }
            guard !taken.isEmpty else { return nil }
            state.waiting = left
            state.running += 1
            state.busy.formUnion(taken.map(\.command.sessionId))
            return taken
        }
        guard let batch else { return false }
        Task {
            await run(batch.sorted { $0.command.sessionId.uuidString < $1.command.sessionId.uuidString })
            state.withLock { state in
                state.running -= 1
                state.busy.subtract(batch.map(\.command.sessionId))
            }
            // The sessions just freed may let more than one batch start.
            while startNextBatch() {}
        }
        return true
    }

    private func run(_ batch: [Waiting]) async {
        let now = environment.clock()
        let window = environment.configuration.paymentWindow
        let source = environment.source
        let faults = environment.faults
        let commands = batch.map { ($0.command, $0.correlationId) }
        do {
            let results = try await environment.database.transaction(settings: ["SET LOCAL plan_cache_mode = force_generic_plan"]) { connection in
                try Self.bookTogether(commands, on: connection, source: source, now: now, paymentWindow: window, faults: faults)
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
                        var workflow = BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window)
                        workflow.faults = faults
                        return try workflow.book(command)
                    }
                    waiting.continuation.resume(returning: booking)
                } catch {
                    waiting.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// A batch in one transaction, with a handful of round trips whatever its size: planned with one
    /// statement for the sessions and one for the candidates' facts, placed with one more and announced (the
    /// outbox rows of those placed) with another. Reads take
    /// no locks, so seats are locked only from the placement to the commit. A candidate named twice
    /// waits for the next round, planned after their first booking is written (and then refused as
    /// already booked, exactly as alone). A booking that finds no seat takes the slow path under its
    /// session's lock after the placement; should that ever deadlock with another batch, PostgreSQL
    /// breaks the tie and both batches run again one request at a time.
    static func bookTogether(
        _ commands: [(BookingWorkflow.BookCommand, String?)], on connection: PGConnection, source: String, now: Date, paymentWindow: Duration,
        faults: FaultHook = .none
    ) throws -> [Result<Booking, any Error>] {
        var results = [Result<Booking, any Error>?](repeating: nil, count: commands.count)
        for round in DistinctRounds.of(commands, key: { $0.0.candidateId }) {
            let workflows = round.map { index in
                var workflow = BookingWorkflow(
                    connection: connection, outbox: OutboxWriter(source: source, correlationId: commands[index].1, causationId: nil, now: now),
                    now: now, paymentWindow: paymentWindow
                )
                workflow.faults = faults
                return workflow
            }
            let plans = try workflows[0].plan(round.map { commands[$0].0 })
            var staged: [(index: Int, workflow: BookingWorkflow, plan: BookingWorkflow.Plan, proposal: BookingWorkflow.Proposal?)] = []
            for (index, (workflow, plan)) in zip(round, zip(workflows, plans)) {
                switch plan {
                case let .failure(refusal): results[index] = .failure(refusal)
                case let .success(plan): staged.append((index, workflow, plan, try workflow.proposal(for: plan)))
                }
            }
            var placements = try BookingWorkflow.place(staged.compactMap(\.proposal), on: connection, at: now).makeIterator()
            for item in staged {
                let placement = item.proposal == nil ? nil : placements.next()
                results[item.index] = try BookingWorkflow.refusals { try item.workflow.settle(item.plan, proposal: item.proposal, placement: placement) }
            }
        }
        return results.map { $0! }
    }
}
