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

/// Messages the chaos suite makes fail on every delivery, as a handler with a bug would: those whose id
/// starts with `EXAMHALL_FAIL_MESSAGE_PREFIX`. They must be requeued up to the delivery limit, then
/// dead-lettered, without holding up the others. Never set in production.
public enum InjectedFailure: Error, CustomStringConvertible {
    case always(messageId: String)

    public var description: String { "injected failure for message \(messageId) (EXAMHALL_FAIL_MESSAGE_PREFIX)" }

    private var messageId: String {
        switch self { case let .always(messageId): messageId }
    }

    static let prefix: String? = ProcessInfo.processInfo.environment["EXAMHALL_FAIL_MESSAGE_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }

    /// Throws for a message the switch names.
    public static func check(messageId: String) throws {
        if let prefix, messageId.hasPrefix(prefix) { throw InjectedFailure.always(messageId: messageId) }
    }
}
