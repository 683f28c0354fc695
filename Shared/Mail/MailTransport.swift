import Foundation

/// Where emails go: an SMTP server, or a folder of `.eml` files when no server is configured. A
/// transport is used from one thread at a time.
public protocol MailTransport: AnyObject {
    /// Returns when the message is accepted; `name` is a stable file name for the message.
    func send(from sender: String, to recipient: String, message: [UInt8], name: String) throws(SMTPError)
}

/// SMTP through libcurl; one connection, reused while it stays open.
public final class SMTPTransport: MailTransport {
    private let endpoint: SMTPEndpoint
    private var client: SMTPClient?

    public init(_ endpoint: SMTPEndpoint) { self.endpoint = endpoint }

    public func send(from sender: String, to recipient: String, message: [UInt8], name: String) throws(SMTPError) {
        let client: SMTPClient
        if let open = self.client {
            client = open
        } else {
            client = try SMTPClient(endpoint)
            self.client = client
        }
        do {
            try client.send(from: sender, to: recipient, message: message)
        } catch {
            // Start the next message on a fresh connection: this one may be half-way through a dialogue.
            if !error.permanent { self.client = nil }
            throw error
        }
    }
}

/// Local development without a mail server: each email becomes `<folder>/<name>.eml`. The name is
/// the delivery's, and the file appears only once complete (written aside, then renamed), so a
/// re-send after a crash replaces the same file rather than adding a second email.
public final class MailFolderTransport: MailTransport {
    private let folder: URL

    public init(folder: String) { self.folder = URL(fileURLWithPath: folder, isDirectory: true) }

    public func send(from sender: String, to recipient: String, message: [UInt8], name: String) throws(SMTPError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let target = folder.appendingPathComponent("\(name).eml")
            let partial = folder.appendingPathComponent(".\(name).eml.partial")
            try Data(message).write(to: partial)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: partial, to: target)
        } catch {
            throw SMTPError(code: 0, message: "cannot write to the mail folder \(folder.path): \(error.localizedDescription)", permanent: false)
        }
    }
}

