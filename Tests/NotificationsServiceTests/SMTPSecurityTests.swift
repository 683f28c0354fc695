import ExamHallMail
import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing
@testable import NotificationsService

/// Our SMTP client against a real server (aiosmtpd) that requires STARTTLS and AUTH: credentials only
/// ever travel over TLS to a certificate the client verified, and a server that cannot be trusted or
/// refuses our login holds emails back instead of failing them for good.
@Suite(.serialized) struct SMTPSecurityTests {
    static let message = Array("Subject: Your booking\r\n\r\nSee you on Monday.\r\n".utf8)

    static func send(_ url: String) -> SMTPError? {
        do throws(SMTPError) {
            return sendOrError(try SMTPEndpoint(url: url))
        } catch {
            return error
        }
    }

    @Test func withCredentialsTheClientAuthenticatesOverATLSConnectionItVerified() throws {
        let sink = SMTPSink(port: 18220, startTLS: true, credentials: ("examhall", "s3cret"))
        try sink.start()
        defer { sink.stop() }
        let url = "smtp://examhall:s3cret@127.0.0.1:18220?cafile=\(sink.certificateAuthority)"
        #expect(try SMTPEndpoint(url: url).requireStartTLS, "credentials imply STARTTLS")
        #expect(Self.send(url) == nil)
        let received = try sink.messages()
        #expect(received.count == 1)
        let mail = try #require(received.first)
        #expect(mail.contains("X-Received-Over: TLS\r\n"))
        #expect(mail.contains("X-Authenticated-As: examhall\r\n"))
        #expect(mail.hasSuffix("Subject: Your booking\r\n\r\nSee you on Monday.\r\n"))
    }

    @Test func refusedCredentialsAreAConfigurationToFixNotAFinalRefusalOfTheEmail() throws {
        let sink = SMTPSink(port: 18221, startTLS: true, credentials: ("examhall", "s3cret"))
        try sink.start()
        defer { sink.stop() }
        let error = try #require(Self.send("smtp://examhall:wrong@127.0.0.1:18221?cafile=\(sink.certificateAuthority)"))
        #expect(error.code == 535, "\(error)")
        #expect(!error.permanent, "the email waits for the password to be fixed")
        #expect(try sink.messages().isEmpty)
    }

    @Test func aCertificateTheClientCannotVerifyStopsTheSendBeforeTheLogin() throws {
        let sink = SMTPSink(port: 18222, startTLS: true, credentials: ("examhall", "s3cret"))
        try sink.start()
        defer { sink.stop() }
        // Self-signed and not named by cafile: not trusted by the system's authorities.
        let error = try #require(Self.send("smtp://examhall:s3cret@127.0.0.1:18222"))
        #expect(error.description.lowercased().contains("certificate"), "\(error)")
        #expect(!error.permanent)
        #expect(try sink.messages().isEmpty)
    }

    @Test func aServerWithoutSTARTTLSGetsNoPasswordAndNoEmailWhenTLSIsRequired() throws {
        let sink = SMTPSink(port: 18223)
        try sink.start()
        defer { sink.stop() }
        for url in ["smtp://examhall:s3cret@127.0.0.1:18223", "smtp://127.0.0.1:18223?starttls=required"] {
            let error = try #require(Self.send(url), "\(url)")
            #expect(!error.permanent, "\(url): \(error)")
        }
        #expect(try sink.messages().isEmpty)
        // Said explicitly, a plain connection is allowed.
        #expect(Self.send("smtp://127.0.0.1:18223?starttls=none") == nil)
        #expect(try sink.messages().first?.contains("X-Received-Over: plain\r\n") == true)
    }

    /// Without credentials or an explicit choice, a connection is upgraded whenever the server offers
    /// STARTTLS, and the certificate verified; in production STARTTLS is required.
    @Test func startTLSIsUsedWhenOfferedAndRequiredInProduction() throws {
        let tlsSink = SMTPSink(port: 18224, startTLS: true)
        try tlsSink.start()
        defer { tlsSink.stop() }
        #expect(Self.send("smtp://127.0.0.1:18224?cafile=\(tlsSink.certificateAuthority)") == nil)
        #expect(try tlsSink.messages().first?.contains("X-Received-Over: TLS\r\n") == true, "upgraded because it was offered")

        let plainSink = SMTPSink(port: 18225)
        try plainSink.start()
        defer { plainSink.stop() }
        var configuration = try ServiceConfiguration.load(service: "notifications", defaultHTTPPort: 8084, environment: ["EXAMHALL_ENV": "development"])
        let development = try #require(try MailSettings.load(configuration, environment: ["EXAMHALL_SMTP_URL": "smtp://127.0.0.1:18225"]).smtp)
        #expect(development.startTLS == .opportunistic)
        configuration.mode = .production
        let production = try #require(try MailSettings.load(configuration, environment: ["EXAMHALL_SMTP_URL": "smtp://127.0.0.1:18225"]).smtp)
        #expect(production.startTLS == .required)
        let refused = try #require(Self.sendOrError(production), "a production service sends nothing to a server without STARTTLS")
        #expect(!refused.permanent, "the email waits for the configuration to be fixed: \(refused)")
        #expect(try plainSink.messages().isEmpty)
        #expect(Self.sendOrError(development) == nil, "in development the plain server gets it")
        #expect(try plainSink.messages().first?.contains("X-Received-Over: plain\r\n") == true)
        // Said explicitly, production too may speak in clear (a mail catcher on a private network).
        configuration.mode = .production
        let explicit = try #require(try MailSettings.load(configuration, environment: ["EXAMHALL_SMTP_URL": "smtp://127.0.0.1:18225?starttls=none"]).smtp)
        #expect(explicit.startTLS == STARTTLSPolicy.none)
    }

    static func sendOrError(_ endpoint: SMTPEndpoint) -> SMTPError? {
        do throws(SMTPError) {
            try SMTPClient(endpoint).send(from: "exams@examhall.test", to: "ada@example.org", message: message)
            return nil
        } catch {
            return error
        }
    }

    @Test func endpointOptionsAreReadStrictly() throws {
        #expect(try SMTPEndpoint(url: "smtp://mail.example.org:25").startTLS == .opportunistic)
        #expect(try SMTPEndpoint(url: "smtp://mail.example.org:25", tlsRequiredByDefault: true).startTLS == .required)
        #expect(try SMTPEndpoint(url: "smtp://mail.example.org:25?starttls=opportunistic", tlsRequiredByDefault: true).startTLS == .opportunistic)
        #expect(try !SMTPEndpoint(url: "smtp://mail.example.org:25").requireStartTLS)
        #expect(try SMTPEndpoint(url: "smtp://mail.example.org?starttls=required").requireStartTLS)
        #expect(try !SMTPEndpoint(url: "smtp://user:pw@mail.example.org?starttls=none").requireStartTLS)
        #expect(try !SMTPEndpoint(url: "smtps://user:pw@mail.example.org:465").requireStartTLS, "TLS from the first byte")
        let withAuthorities = try SMTPEndpoint(url: "smtp://mail.example.org?cafile=/etc/examhall/ca.pem&starttls=required")
        #expect(withAuthorities.certificateAuthorities == "/etc/examhall/ca.pem")
        #expect(withAuthorities.url == "smtp://mail.example.org")
        #expect(try SMTPEndpoint(url: "smtp://user:secret@mail.example.org").description == "smtp://user:***@mail.example.org (STARTTLS required)")
        for bad in ["http://mail.example.org", "smtp://", "smtp://mail.example.org?tls=yes", "smtp://mail.example.org?cafile="] {
            #expect(throws: SMTPError.self, "\(bad)") { try SMTPEndpoint(url: bad) }
        }
    }

    @Test func aCertificateFileThatCannotBeReadStopsStartUpNamingIt() throws {
        let configuration = try ServiceConfiguration.load(service: "notifications", defaultHTTPPort: 8084, environment: ["EXAMHALL_ENV": "development"])
        let url = "smtp://mail.example.org?cafile=/nonexistent/ca.pem"
        #expect {
            try NotificationSettings.load(configuration, environment: ["EXAMHALL_SMTP_URL": url])
        } throws: { error in
            (error as? ConfigurationError)?.description == "configuration error: EXAMHALL_SMTP_URL names cafile=/nonexistent/ca.pem, which cannot be read"
        }
    }

    @Test func onlyAReplyAboutTheMessageItselfIsFinal() {
        for code in [550, 551, 552, 553, 554] { #expect(SMTPError.isPermanent(replyCode: code), "\(code)") }
        for code in [0, 250, 421, 450, 451, 452, 530, 534, 535, 538] { #expect(!SMTPError.isPermanent(replyCode: code), "\(code)") }
    }
}
