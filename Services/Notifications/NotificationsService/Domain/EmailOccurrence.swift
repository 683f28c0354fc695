import Crypto
import ExamHallModels
import Foundation

/// What an email tells of, named in business terms: the same whichever message carried the news.
/// The inbox turns away a message id it has seen; this turns away the same news re-sent under a new
/// id (a producer that retried with a fresh envelope, a dead letter replayed as a new message), so each
/// happening is one email per recipient and kind. Pure.
public struct EmailOccurrence: Hashable, Sendable, CustomStringConvertible {
    public let description: String

    /// A step that happens to a booking at most once in its life (confirmed, put on the waiting list,
    /// cancelled, rejected, expired); the email's kind tells the steps apart.
    public static func booking(_ bookingId: String) -> Self {
        Self(description: "booking:\(bookingId)")
    }

    /// A booking may move more than once, even back and forth: each move is named by when it happened.
    public static func transfer(_ event: BookingTransferred) -> Self {
        Self(description: "transfer:\(event.booking.bookingId):\(event.session.sessionId):\(milliseconds(event.transferredAt))")
    }

    /// A session update carries no version of its own, so the change itself names it: the new snapshot,
    /// the times it replaced and the fields that changed. The same update re-sent digests the same.
    public static func sessionChange(_ update: SessionUpdated) -> Self {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let canonical = (try? encoder.encode(update)) ?? Data(update.session.sessionId.utf8)
        let digest = SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined()
        return Self(description: "session-change:\(update.session.sessionId):\(digest)")
    }

    /// One request per hold: a new hold of the same booking has a new deadline.
    public static func paymentRequest(_ request: PaymentRequested) -> Self {
        Self(description: "payment:\(request.bookingId):\(milliseconds(request.expiresAt))")
    }

    /// A verdict is final, so an attempt's result is announced once.
    public static func verdict(attemptId: String) -> Self {
        Self(description: "verdict:\(attemptId)")
    }

    /// The session's start is part of the name: a moved session's reminder is a new email.
    public static func reminder(bookingId: String, offsetSeconds: Int, sessionStart: Date) -> Self {
        Self(description: "reminder:\(bookingId):\(offsetSeconds):\(Int(sessionStart.timeIntervalSince1970))")
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
