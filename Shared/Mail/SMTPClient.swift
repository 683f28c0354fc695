import CCurl
import Foundation

/// How an `smtp://` connection treats STARTTLS: `required` sends nothing over a connection that could
/// not be upgraded to TLS; `opportunistic` upgrades whenever the server offers it (and then verifies its
/// certificate), and speaks in clear to a server that does not; `none` never upgrades.
public enum STARTTLSPolicy: String, Sendable, Equatable {
    case required, opportunistic, none
}

/// Where and how to reach the mail server, from `EXAMHALL_SMTP_URL`:
/// `smtp://[user:password@]host[:port][?starttls=required|opportunistic|none][&cafile=PATH]` or `smtps://…`
/// (TLS from the first byte). Without `starttls`, credentials in the URL, or `tlsRequiredByDefault`
/// (production), require STARTTLS, so neither a password nor a candidate's email crosses the network in
/// clear; otherwise it is opportunistic. `cafile` trusts the certificate authorities in that PEM file
/// instead of the system's (a mail relay with a private CA).
public struct SMTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The URL libcurl connects to (without our query options).
    public let url: String
    public let startTLS: STARTTLSPolicy
    public var requireStartTLS: Bool { startTLS == .required }
    public let host: String
    public let certificateAuthorities: String?

    public init(url text: String, tlsRequiredByDefault: Bool = false) throws(SMTPError) {
        guard var components = URLComponents(string: text), let scheme = components.scheme, ["smtp", "smtps"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw SMTPError(code: 0, message: "not an smtp:// or smtps:// URL with a host", permanent: true) }
        var startTLS: STARTTLSPolicy?
        var certificateAuthorities: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("starttls", "required"), ("starttls", "true"): startTLS = .required
            case ("starttls", "opportunistic"): startTLS = .opportunistic
            case ("starttls", "false"), ("starttls", "none"): startTLS = STARTTLSPolicy.none
            case ("cafile", let path?) where !path.isEmpty: certificateAuthorities = path
            default:
                throw SMTPError(code: 0, message: "unknown option '\(item.name)' (starttls=required|opportunistic|none, cafile=PATH)", permanent: true)
            }
        }
        components.query = nil
        guard let url = components.string else { throw SMTPError(code: 0, message: "not a usable URL", permanent: true) }
        self.url = url
        self.startTLS = scheme == "smtps"
            ? STARTTLSPolicy.none
            : startTLS ?? (components.user != nil || tlsRequiredByDefault ? .required : .opportunistic)
        self.host = host
        self.certificateAuthorities = certificateAuthorities
    }

    /// Without the password, for logs.
    public var description: String {
        guard var components = URLComponents(string: url) else { return host }
        if components.password != nil { components.password = "***" }
        let policy = switch startTLS {
        case .required: " (STARTTLS required)"
        case .opportunistic: " (STARTTLS when offered)"
        case .none: ""
        }
        return (components.string ?? host) + policy
    }
}

/// Why the mail server did not take a message. `permanent` (a 5xx reply, e.g. an unknown mailbox) means
/// sending it again cannot help; anything else (4xx, no connection, a timeout) may pass later.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's last reply code; 0 when there was none (no connection).
    public let code: Int
    public let message: String
    public let permanent: Bool

    public init(code: Int, message: String, permanent: Bool) {
        self.code = code
        self.message = message
        self.permanent = permanent
    }

    public var description: String { code == 0 ? message : "\(code): \(message)" }

    /// Whether a reply means sending this message again cannot help: a 5xx reply is the server's final
    /// word on it (an unknown mailbox, a refused sender), except the replies about our own session
    /// (530 STARTTLS or authentication required, 534/538 a stronger mechanism or encryption needed,
    /// 535 bad credentials). Those are a configuration to fix; the email waits for it, it is not lost.
    public static func isPermanent(replyCode code: Int) -> Bool {
        (500..<600).contains(code) && ![530, 534, 535, 538].contains(code)
    }
}

/// One SMTP connection (libcurl easy handle), reused from message to message. Not thread-safe: give each
/// sending task its own client.
public final class SMTPClient {
    private let handle: UnsafeMutableRawPointer
    private let endpoint: SMTPEndpoint
    /// libcurl writes the reason of a failed transfer here; it must outlive every transfer.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(_ endpoint: SMTPEndpoint, timeout: Duration = .seconds(30)) throws(SMTPError) {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw SMTPError(code: 0, message: "libcurl could not start", permanent: false) }
        self.handle = handle
        self.endpoint = endpoint
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        examhall_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        examhall_curl_setopt_string(handle, CURLOPT_URL, endpoint.url)
        examhall_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        examhall_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
        examhall_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
        examhall_curl_setopt_long(handle, CURLOPT_TIMEOUT, Int(timeout.components.seconds))
        let useSSL = switch endpoint.startTLS {
        case .required: CURLUSESSL_ALL
        case .opportunistic: CURLUSESSL_TRY
        case .none: CURLUSESSL_NONE
        }
        examhall_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(useSSL.rawValue))
        if let certificateAuthorities = endpoint.certificateAuthorities {
            examhall_curl_setopt_string(handle, CURLOPT_CAINFO, certificateAuthorities)
        }
        examhall_curl_setopt_read_function(handle, { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            return Unmanaged<MessageReader>.fromOpaque(userdata).takeUnretainedValue().read(into: buffer, capacity: size * count)
        })
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one message to one recipient; returns when the server has accepted it (250 after DATA).
    public func send(from sender: String, to recipient: String, message: [UInt8]) throws(SMTPError) {
        let reader = MessageReader(message)
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }
        errorBuffer[0] = 0
        examhall_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>")
        examhall_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients)
        examhall_curl_setopt_long(handle, CURLOPT_INFILESIZE, message.count)
        let context = Unmanaged.passRetained(reader)
        defer { context.release() }
        examhall_curl_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque())
        let result = curl_easy_perform(handle)
        guard result != CURLE_OK else { return }
        var code = 0
        examhall_curl_response_code(handle, &code)
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
        let refusedThisMessage = result != CURLE_LOGIN_DENIED && result != CURLE_USE_SSL_FAILED && result != CURLE_OPERATION_TIMEDOUT
        throw SMTPError(code: code, message: message, permanent: refusedThisMessage && SMTPError.isPermanent(replyCode: code))
    }
}

/// Hands the message to libcurl's read callback piece by piece.
private final class MessageReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
