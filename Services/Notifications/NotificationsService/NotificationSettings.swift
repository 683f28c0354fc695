import ExamHallMail
import ExamHallServiceKit
import Foundation

/// The notifications service's own settings (README, configuration table).
public struct NotificationSettings: Sendable {
    public var defaultLanguage: String
    /// Where email goes: the SMTP server of `EXAMHALL_SMTP_URL`, or `.eml` files in `mailFolder`.
    public var smtp: SMTPEndpoint?
    public var mailFolder: String
    public var fromAddress: String
    public var fromName: String
    /// Reminders go out this long before a session starts.
    public var reminderOffsets: [TimeInterval]
    /// At most this many emails per second leave one replica.
    public var ratePerSecond: Int
    /// Concurrent SMTP connections per replica.
    public var senders: Int
    public var retryBase: TimeInterval
    public var maxAttempts: Int
    public var pollInterval: Duration
    /// Days a sent or failed email keeps its address and body; after that only what was sent, to whom
    /// by id, and when remains.
    public var emailRetentionDays = 90

    public static func load(_ configuration: ServiceConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> NotificationSettings {
        let reader = EnvironmentReader(environment)
        let mail = try MailSettings.load(configuration, environment: environment)
        let offsetsText = reader.string("EXAMHALL_REMINDER_OFFSETS_HOURS", default: "72,24")
        let offsets = offsetsText.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !offsets.isEmpty, offsets.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 24 * 60 }) else {
            throw ConfigurationError(variable: "EXAMHALL_REMINDER_OFFSETS_HOURS", problem: "must be hours before the session, comma-separated (e.g. 72,24); got '\(offsetsText)'")
        }
        var settings = NotificationSettings(
            defaultLanguage: configuration.defaultLanguage,
            smtp: mail.smtp,
            mailFolder: mail.mailFolder,
            fromAddress: mail.fromAddress,
            fromName: mail.fromName,
            reminderOffsets: offsets.map { $0! * 3600 },
            ratePerSecond: try reader.int("EXAMHALL_MAIL_RATE_PER_SECOND", default: 50, in: 1...100_000),
            senders: try reader.int("EXAMHALL_MAIL_SENDERS", default: 2, in: 1...32),
            retryBase: TimeInterval(try reader.int("EXAMHALL_MAIL_RETRY_SECONDS", default: 30, in: 1...3600)),
            maxAttempts: try reader.int("EXAMHALL_MAIL_MAX_ATTEMPTS", default: 8, in: 1...100),
            pollInterval: .milliseconds(try reader.int("EXAMHALL_MAIL_POLL_MILLISECONDS", default: 500, in: 10...60_000))
        )
        settings.emailRetentionDays = try reader.int("EXAMHALL_EMAIL_RETENTION_DAYS", default: 90, in: 1...3650)
        return settings
    }
}
