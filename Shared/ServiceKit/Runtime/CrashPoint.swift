import Foundation
import Synchronization

/// Places in the message path where the chaos suite makes a process die on purpose, to prove that a
/// crash at the worst moment loses nothing and duplicates nothing. Off unless `EXAMHALL_CRASH_AT` names
/// a point; `EXAMHALL_CRASH_AFTER` (default 0) is how many times the point is passed before the crash,
/// so a restarted process gets some work done before it dies again. Never set in production.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// Inside the inbox transaction: message ids recorded, handlers not yet run.
    case afterInboxInsert = "after-inbox-insert"
    /// Inside the inbox transaction: handlers ran and wrote their effects and outbox rows; not committed.
    case afterOutboxInsert = "after-outbox-insert"
    /// The inbox transaction committed; the broker has not been told (no ack).
    case afterCommitBeforeAck = "after-commit-before-ack"
    /// The relay's publish was confirmed by the broker; the outbox rows are not yet marked sent.
    case afterConfirmBeforeMark = "after-confirm-before-mark"

    /// Dies here if this is the armed point and it has been passed often enough.
    public func reach() {
        guard let armed = Self.armed, armed.point == self else { return }
        let passes = Self.passes.add(1, ordering: .relaxed).oldValue
        guard passes >= armed.after else { return }
        FileHandle.standardError.write(Data("examhall: crash point \(rawValue) reached after \(passes) passes; exiting\n".utf8))
        // `_exit`: no shutdown code, no flushing, no backtrace; as abrupt as kill -9.
        _exit(70)
    }

    /// Read once. `ServiceConfiguration.load` has already refused a name that is not a point.
    static let armed: (point: CrashPoint, after: Int)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let point = environment["EXAMHALL_CRASH_AT"].flatMap(CrashPoint.init(rawValue:)) else { return nil }
        return (point, Int(environment["EXAMHALL_CRASH_AFTER"] ?? "") ?? 0)
    }()

    private static let passes = Atomic<Int>(0)
}

/// Messages the chaos suite makes fail, as a handler with a bug or a passing fault would: those whose id
/// starts with `EXAMHALL_FAIL_MESSAGE_PREFIX`, on their first `EXAMHALL_FAIL_MESSAGE_DELIVERIES`
/// deliveries (unset: every delivery). They must be requeued, then applied once or dead-lettered at the
/// delivery limit, without holding up the others. Never set in production.
public struct InjectedFailure: Error, CustomStringConvertible {
    public let description: String

    static let prefix: String? = ProcessInfo.processInfo.environment["EXAMHALL_FAIL_MESSAGE_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }
    static let failingDeliveries: Int = ProcessInfo.processInfo.environment["EXAMHALL_FAIL_MESSAGE_DELIVERIES"].flatMap { Int($0) } ?? .max

    /// Work done for a request whose correlation id starts with `EXAMHALL_ROLLBACK_CORRELATION_PREFIX` is
    /// written, then fails before commit, as when the commit itself fails: the chaos suite proves that
    /// nothing of a rolled-back transaction is ever published.
    static let rollbackPrefix: String? = ProcessInfo.processInfo.environment["EXAMHALL_ROLLBACK_CORRELATION_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }

    /// Throws, once the transaction has written its effects and outbox rows, for work the switch names.
    public static func beforeCommit(correlationId: String?) throws {
        guard let rollbackPrefix, let correlationId, correlationId.hasPrefix(rollbackPrefix) else { return }
        throw InjectedFailure(description: "injected rollback of the work for \(correlationId) (EXAMHALL_ROLLBACK_CORRELATION_PREFIX)")
    }

    /// Throws for a message the switch names, while it is within its failing deliveries. The count comes
    /// from the broker (`x-delivery-count`), so it holds across replicas and restarts.
    public static func check(messageId: String, previousDeliveries: Int) throws {
        guard let prefix, messageId.hasPrefix(prefix), previousDeliveries < failingDeliveries else { return }
        throw InjectedFailure(description: "injected failure for message \(messageId) on delivery \(previousDeliveries + 1) (EXAMHALL_FAIL_MESSAGE_PREFIX)")
    }
}
