import Foundation

/// Where a delivery is: waiting to be sent (again), sent, or given up on.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case queued, sent, failed
}

/// What to do after a send attempt failed. Pure.
public enum DeliveryRules {
    public enum Next: Equatable, Sendable {
        case retry(at: Date)
        case giveUp
    }

    /// A permanent refusal (e.g. 550 no such mailbox) is final at once; anything else is retried with
    /// exponential back-off (base · 2^(attempts-1), at most an hour) until `maxAttempts` attempts.
    public static func afterFailure(attempts: Int, permanent: Bool, now: Date, base: TimeInterval, maxAttempts: Int) -> Next {
        if permanent || attempts >= maxAttempts { return .giveUp }
        let delay = min(base * pow(2, Double(max(attempts - 1, 0))), 3600)
        return .retry(at: now.addingTimeInterval(delay))
    }

    /// The key that makes an email unique: one per (what happened, recipient, kind), whichever
    /// message brought the news and however often.
    /// Emails created before this instant have outlived their retention of `days` days.
    public static func retentionCutoff(now: Date, days: Int) -> Date {
        now.addingTimeInterval(-TimeInterval(days) * 86_400)
    }

    public static func key(_ occurrence: EmailOccurrence, candidateId: String, kind: NotificationKind) -> String {
        "\(occurrence)|\(candidateId)|\(kind.rawValue)"
    }
}

/// When reminders go out. Pure.
public enum ReminderRules {
    /// The reminders to schedule for a session starting at `start`: one per offset that is still in the
    /// future now. A booking made 10 hours before the start gets no 24-hour reminder: it has just had
    /// its confirmation.
    public static func schedule(start: Date, offsets: [TimeInterval], now: Date) -> [(offset: TimeInterval, dueAt: Date)] {
        offsets.map { ($0, start.addingTimeInterval(-$0)) }.filter { $0.1 > now }
    }

    /// A due reminder is sent only while its session has not started.
    public static func shouldSend(sessionStart: Date, now: Date) -> Bool {
        now < sessionStart
    }
}
