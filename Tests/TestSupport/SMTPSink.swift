import Foundation

/// A real SMTP server (aiosmtpd, `Tests/Support/smtp_sink.py`, from the Python tools `scripts/stack`
/// installs) that keeps every accepted message as a file, so tests read exactly what arrived.
public final class SMTPSink: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let rejected: [String]
    private let delayMail: Double
    private let startTLS: Bool
    private let credentials: (user: String, password: String)?
    private var process: Process?

    /// `startTLS` offers and requires STARTTLS with a certificate made at start (`certificateAuthority`
    /// trusts it); `credentials` requires AUTH with them, over TLS only.
    public init(port: Int, rejecting rejected: [String] = [], delayMail: Double = 0, startTLS: Bool = false, credentials: (user: String, password: String)? = nil) {
        self.port = LocalPort.resolve(port)
        self.rejected = rejected
        self.delayMail = delayMail
        self.startTLS = startTLS
        self.credentials = credentials
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-smtp-\(self.port)-\(UUID().uuidString.prefix(8))")
    }

    /// The PEM file of the certificate the server presents after STARTTLS.
    public var certificateAuthority: String { directory.appendingPathComponent("ca.pem").path }

    deinit { stop() }

    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// The Python tools `scripts/stack start` installs beside the code.
    public static var python: URL { TestStack.root.appendingPathComponent(".stack/python/bin/python") }

    /// Starts the server (again, after `stop`), keeping what arrived so far; returns once it listens.
    public func start() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            throw TestStack.Failure(description: "the test SMTP server needs \(Self.python.path); run scripts/stack start")
        }
        let process = Process()
        process.executableURL = Self.python
        var arguments: [String] = [TestStack.root.appendingPathComponent("Tests/Support/smtp_sink.py").path,
                                   "--port", "\(port)", "--dir", directory.path, "--delay-mail", "\(delayMail)"]
        for address in rejected { arguments += ["--reject", address] }
        if startTLS { arguments.append("--starttls") }
        if let credentials { arguments += ["--auth", "\(credentials.user):\(credentials.password)"] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let line = output.fileHandleForReading.availableLine(timeout: 20)
        guard line?.hasPrefix("ready") == true else {
            stop()
            throw TestStack.Failure(description: "the test SMTP server did not start on port \(port)")
        }
    }

    /// Stops the server: from now on connections are refused, as with a mail server that is down.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// From now on the server leaves every MAIL FROM unanswered until `resume()`: each client stops
    /// at the start of its next message, having had every earlier one answered.
    public func hold() throws {
        try Data().write(to: directory.appendingPathComponent("hold"))
    }

    public func resume() {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("hold"))
    }

    /// How many clients are waiting for an answer to MAIL FROM because of `hold()`.
    public func holding() -> Int {
        (try? String(contentsOf: directory.appendingPathComponent("holding"), encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    /// Every message received so far, oldest first, as raw RFC 5322 text.
    public func messages() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return try names.filter { $0.hasSuffix(".eml") }.sorted().map {
            try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// The envelope recipient of every message received so far (one entry per message).
    public func recipients() throws -> [String] {
        try messages().compactMap { mail in
            mail.range(of: "X-Envelope-To: ").map { String(mail[$0.upperBound...].prefix { !$0.isNewline }) }
        }
    }

    /// Waits until at least `count` messages arrived (or the timeout passed) and returns them all.
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = try messages()
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try messages()
    }
}

extension FileHandle {
    /// The first line written to this pipe, or nil if none came within `timeout` seconds.
    func availableLine(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = Data()
        while Date() < deadline {
            let chunk = availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
            if let newline = buffer.firstIndex(of: 10) { return String(decoding: buffer[..<newline], as: UTF8.self) }
        }
        return nil
    }
}

/// A received email, decoded enough for assertions: headers, and each MIME part's decoded text.
public struct ReceivedMail: Sendable {
    public let raw: String
    public let headers: [String: String]
    public let parts: [(contentType: String, body: String)]

    public init(_ raw: String) throws {
        self.raw = raw
        let run = try Program.run(
            SMTPSink.python, ["-c", Self.decoder], input: Data(raw.utf8), capture: .standardOutput
        )
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: run.output) as? [String: Any] else {
            throw TestStack.Failure(description: "could not parse the email: \(run.text)")
        }
        headers = object["headers"] as? [String: String] ?? [:]
        parts = (object["parts"] as? [[String]] ?? []).map { ($0[0], $0[1].replacingOccurrences(of: "\r\n", with: "\n")) }
    }

    public func part(_ contentType: String) -> String? {
        parts.first { $0.contentType == contentType }?.body
    }

    /// The calendar event of an `.ics` text as the `icalendar` package parses it (a strict RFC 5545
    /// reader): METHOD and the VEVENT's properties, dates in UTC as ISO 8601.
    public static func calendar(_ ics: String) throws -> [String: String] {
        let run = try Program.run(SMTPSink.python, ["-c", calendarReader], input: Data(ics.utf8), capture: .standardOutput)
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: run.output) as? [String: String] else {
            throw TestStack.Failure(description: "not a valid iCalendar text: \(run.text)\n\(ics)")
        }
        return object
    }

    static let calendarReader = """
        import icalendar, json, sys
        calendar = icalendar.Calendar.from_ical(sys.stdin.read())
        events = [component for component in calendar.walk() if component.name == "VEVENT"]
        assert len(events) == 1, "expected one VEVENT"
        event = events[0]
        result = {"METHOD": str(calendar.get("METHOD")), "VERSION": str(calendar.get("VERSION"))}
        for key in ["UID", "SEQUENCE", "SUMMARY", "LOCATION", "DESCRIPTION", "STATUS", "ORGANIZER", "ATTENDEE"]:
            if key in event: result[key] = str(event.get(key))
        for key in ["DTSTART", "DTEND", "DTSTAMP"]:
            result[key] = event.get(key).dt.isoformat()
        print(json.dumps(result))
        """

    /// Python's email package decodes headers (RFC 2047) and transfer encodings: an independent reader.
    static let decoder = """
        import email, email.policy, json, sys
        message = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
        headers = {key: str(value) for key, value in message.items()}
        parts = [[part.get_content_type(), part.get_content()] for part in message.walk() if not part.is_multipart()]
        parts = [[kind, body if isinstance(body, str) else body.decode('utf-8')] for kind, body in parts]
        print(json.dumps({"headers": headers, "parts": parts}))
        """
}
