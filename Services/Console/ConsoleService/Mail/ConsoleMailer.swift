import ExamHallMail
import ExamHallServiceKit
import Foundation
import NIOPosix

/// Emails the console sends itself (invitations to set a password, candidates' sign-in links), through the same SMTP settings as
/// the notifications service, or as `.eml` files when no server is configured.
struct ConsoleMailer: Sendable {
    let settings: MailSettings

    struct Email: Sendable {
        var to: String
        var toName: String
        var subject: String
        var text: String
        var html: String
    }

    /// Returns once the server accepted the message (libcurl blocks, so it runs on NIO's thread pool).
    func send(_ email: Email, name: String) async throws {
        let message = MailMessage(
            messageId: "\(UUID().uuidString.lowercased())@examhall.console", from: settings.fromAddress, fromName: settings.fromName,
            to: email.to, toName: email.toName, subject: email.subject, date: Date(), text: email.text, html: email.html, calendar: nil
        )
        let settings = settings
        try await NIOThreadPool.singleton.runIfActive {
            try settings.transport().send(from: settings.fromAddress, to: email.to, message: Array(message.render().utf8), name: name)
        }
    }

    /// The invitation to set a password (or, for someone who has one, a new one), with the one-time link.
    static func invitation(to account: Account, link: String, invitedBy: String, role: String) -> Email {
        let opening = account.passwordHash == nil
            ? "\(invitedBy) has invited you to ExamHall as \(role)."
            : "\(invitedBy) has sent you a link to choose a new ExamHall password. Your current password works until you use it."
        let text = """
            Hello \(account.name),

            \(opening)

            Choose your password here (the link works once, within 3 days):
            \(link)

            If you did not expect this email, you can ignore it.
            """
        let html = """
            <p>Hello \(escape(account.name)),</p>
            <p>\(escape(opening))</p>
            <p><a href="\(escape(link))">Choose your password</a> (the link works once, within 3 days).</p>
            <p>If you did not expect this email, you can ignore it.</p>
            """
        return Email(to: account.email, toName: account.name, subject: "Your ExamHall account", text: text, html: html)
    }

    /// A candidate's sign-in link, in their language.
    static func signInLink(to candidate: Candidate, link: String) -> Email {
        let french = CandidateLanguage(tag: candidate.language) == .fr
        let (greeting, body, button, ignore, subject) = french
            ? ("Bonjour \(candidate.name),", "Voici votre lien pour vous connecter à ExamHall. Il fonctionne une fois, pendant 15 minutes\u{00A0}:",
               "Se connecter à ExamHall", "Si vous n’avez pas demandé ce lien, ignorez cet e-mail\u{00A0}: personne ne peut se connecter sans lui.",
               "Votre lien de connexion ExamHall")
            : ("Hello \(candidate.name),", "Here is your link to sign in to ExamHall. It works once, within 15 minutes:",
               "Sign in to ExamHall", "If you did not ask for this link, ignore this email: nobody can sign in without it.",
               "Your ExamHall sign-in link")
        let text = "\(greeting)\n\n\(body)\n\(link)\n\n\(ignore)\n"
        let html = """
            <p>\(escape(greeting))</p>
            <p>\(escape(body))</p>
            <p><a href="\(escape(link))">\(escape(button))</a></p>
            <p>\(escape(ignore))</p>
            """
        return Email(to: candidate.email, toName: candidate.name, subject: subject, text: text, html: html)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
