import Foundation
import Synchronization

/// The one place where the chaos suite breaks the message path on purpose, to prove that a crash or a
/// failure at the worst moment loses nothing and duplicates nothing. A service gets it from its
/// environment; production code only calls it at named points, and unless a chaos switch is set
/// (`EXAMHALL_CRASH_AT`, `EXAMHALL_FAIL_MESSAGE_PREFIX`, `EXAMHALL_ROLLBACK_CORRELATION_PREFIX`, which
/// `ProductionRules` refuses in production) every call does nothing. Tests build one directly.
public struct FaultHook: Sendable {
    /// Where to die, and after passing the point how many times (so that a restarted process gets
    /// some work done before it dies again).
    public var crash: (point: CrashPoint, after: Int)?
    /// Messages whose id starts with this fail, as a handler with a bug would, on their first
    /// `failingDeliveries` deliveries.
    public var failingPrefix: String?
    public var failingDeliveries: Int = .max
    /// Work for a request whose correlation id starts with this is written, then fails before commit.
    public var rollbackPrefix: String?
    private let passes = Passes()

    public init(crash: (point: CrashPoint, after: Int)? = nil, failingPrefix: String? = nil, failingDeliveries: Int = .max, rollbackPrefix: String? = nil) {
        self.crash = crash
        self.failingPrefix = failingPrefix
        self.failingDeliveries = failingDeliveries
        self.rollbackPrefix = rollbackPrefix
    }

    /// Does nothing anywhere: what production runs.
    public static let none = FaultHook()

    /// The chaos switches of the environment. `ServiceConfiguration.load` has already refused a
    /// malformed one.
    public static func fromEnvironment(_ environment: [String: String]) -> FaultHook {
        func text(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return FaultHook(
            crash: text("EXAMHALL_CRASH_AT").flatMap(CrashPoint.init(rawValue:)).map { ($0, Int(text("EXAMHALL_CRASH_AFTER") ?? "") ?? 0) },
            failingPrefix: text("EXAMHALL_FAIL_MESSAGE_PREFIX"),
            failingDeliveries: text("EXAMHALL_FAIL_MESSAGE_DELIVERIES").flatMap { Int($0) } ?? .max,
            rollbackPrefix: text("EXAMHALL_ROLLBACK_CORRELATION_PREFIX")
        )
    }

    /// Dies here if this is the armed point and it has been passed often enough.
    public func reach(_ point: CrashPoint) {
        guard let crash, crash.point == point else { return }
        let passed = passes.count.add(1, ordering: .relaxed).oldValue
        guard passed >= crash.after else { return }
        FileHandle.standardError.write(Data("examhall: crash point \(point.rawValue) reached after \(passed) passes; exiting\n".utf8))
        // `_exit`: no shutdown code, no flushing, no backtrace; as abrupt as kill -9.
        _exit(70)
    }

    /// Throws for a message the switch names, while it is within its failing deliveries. The count comes
    /// from the broker (`x-delivery-count`), so it holds across replicas and restarts.
    public func beforeHandling(messageId: String, previousDeliveries: Int) throws {
        guard let failingPrefix, messageId.hasPrefix(failingPrefix), previousDeliveries < failingDeliveries else { return }
        throw InjectedFailure(description: "injected failure for message \(messageId) on delivery \(previousDeliveries + 1) (EXAMHALL_FAIL_MESSAGE_PREFIX)")
    }

    /// Throws, once the transaction has written its effects and outbox rows, for work the switch names:
    /// as when the commit itself fails, nothing of it may ever be published.
    public func beforeCommit(correlationId: String?) throws {
        guard let rollbackPrefix, let correlationId, correlationId.hasPrefix(rollbackPrefix) else { return }
        throw InjectedFailure(description: "injected rollback of the work for \(correlationId) (EXAMHALL_ROLLBACK_CORRELATION_PREFIX)")
    }

    private final class Passes: Sendable {
        let count = Atomic<Int>(0)
    }
}

/// Places in the message path where the chaos suite makes a process die.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// Inside the inbox transaction: message ids recorded, handlers not yet run.
    case afterInboxInsert = "after-inbox-insert"
    /// Inside the inbox transaction: handlers ran and wrote their effects and outbox rows; not committed.
    case afterOutboxInsert = "after-outbox-insert"
    /// The inbox transaction committed; the broker has not been told (no ack).
    case afterCommitBeforeAck = "after-commit-before-ack"
    /// The relay's publish was confirmed by the broker; the outbox rows are not yet marked sent.
    case afterConfirmBeforeMark = "after-confirm-before-mark"
}

/// The failure a `FaultHook` injects.
public struct InjectedFailure: Error, CustomStringConvertible {
    public let description: String
}
