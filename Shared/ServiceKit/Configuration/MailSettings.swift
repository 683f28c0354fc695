import ExamHallMail
import Foundation

/// Where a service's email goes, read the same way wherever email is sent (notifications, the console):
/// the SMTP server of `EXAMHALL_SMTP_URL`, or `.eml` files in `EXAMHALL_MAIL_DIR`; the sender from
/// `EXAMHALL_MAIL_FROM` and `EXAMHALL_MAIL_FROM_NAME`.
public struct MailSettings: Sendable {
    public var smtp: SMTPEndpoint?
    public var mailFolder: String
    public var fromAddress: String
    public var fromName: String

    public static func load(_ configuration: ServiceConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> MailSettings {
        let reader = EnvironmentReader(environment)
        var smtp: SMTPEndpoint?
        if let url = environment["EXAMHALL_SMTP_URL"].flatMap({ $0.isEmpty ? nil : $0 }) ?? configuration.smtpURL {
            do { smtp = try SMTPEndpoint(url: url, tlsRequiredByDefault: configuration.mode == .production) } catch {
                throw ConfigurationError(variable: "EXAMHALL_SMTP_URL", problem: "is not usable: \(error.message)")
            }
            if let authorities = smtp?.certificateAuthorities, !FileManager.default.isReadableFile(atPath: authorities) {
                throw ConfigurationError(variable: "EXAMHALL_SMTP_URL", problem: "names cafile=\(authorities), which cannot be read")
            }
        }
        let from = reader.string("EXAMHALL_MAIL_FROM", default: "no-reply@examhall.local")
        guard from.contains("@"), !from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
            throw ConfigurationError(variable: "EXAMHALL_MAIL_FROM", problem: "must be a plain email address; got '\(from)'")
        }
        return MailSettings(
            smtp: smtp, mailFolder: reader.string("EXAMHALL_MAIL_DIR", default: "mail"), fromAddress: from,
            fromName: reader.string("EXAMHALL_MAIL_FROM_NAME", default: "ExamHall")
        )
    }

    /// A transport for one sender at a time.
    public func transport() -> any MailTransport {
        smtp.map { SMTPTransport($0) } ?? MailFolderTransport(folder: mailFolder)
    }
}
