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

    public static func load(_ configuration: ServiceConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> NotificationSettings {
        let reader = EnvironmentReader(environment)
        var smtp: SMTPEndpoint?
        if let url = environment["EXAMHALL_SMTP_URL"].flatMap({ $0.isEmpty ? nil : $0 }) ?? configuration.smtpURL {
            do { smtp = try SMTPEndpoint(url: url) } catch {
                throw ConfigurationError(variable: "EXAMHALL_SMTP_URL", problem: "is not usable: \(error.message)")
            }
            if let authorities = smtp?.certificateAuthorities, !FileManager.default.isReadableFile(atPath: authorities) {
                throw ConfigurationError(variable: "EXAMHALL_SMTP_URL", problem: "names cafile=\(authorities), which cannot be read")
            }
        }
        let offsetsText = reader.string("EXAMHALL_REMINDER_OFFSETS_HOURS", default: "72,24")
        let offsets = offsetsText.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !offsets.isEmpty, offsets.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 24 * 60 }) else {
            throw ConfigurationError(variable: "EXAMHALL_REMINDER_OFFSETS_HOURS", problem: "must be hours before the session, comma-separated (e.g. 72,24); got '\(offsetsText)'")
        }
        let from = reader.string("EXAMHALL_MAIL_FROM", default: "no-reply@examhall.local")
        guard from.contains("@"), !from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
            throw ConfigurationError(variable: "EXAMHALL_MAIL_FROM", problem: "must be a plain email address; got '\(from)'")
        }
        return NotificationSettings(
            defaultLanguage: configuration.defaultLanguage,
            smtp: smtp,
            mailFolder: reader.string("EXAMHALL_MAIL_DIR", default: "mail"),
            fromAddress: from,
            fromName: reader.string("EXAMHALL_MAIL_FROM_NAME", default: "ExamHall"),
            reminderOffsets: offsets.map { $0! * 3600 },
            ratePerSecond: try reader.int("EXAMHALL_MAIL_RATE_PER_SECOND", default: 50, in: 1...100_000),
            senders: try reader.int("EXAMHALL_MAIL_SENDERS", default: 2, in: 1...32),
            retryBase: TimeInterval(try reader.int("EXAMHALL_MAIL_RETRY_SECONDS", default: 30, in: 1...3600)),
            maxAttempts: try reader.int("EXAMHALL_MAIL_MAX_ATTEMPTS", default: 8, in: 1...100),
            pollInterval: .milliseconds(try reader.int("EXAMHALL_MAIL_POLL_MILLISECONDS", default: 500, in: 10...60_000))
        )
    }
}
