import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real service executable started for an end-to-end test, with the stack's credentials for it.
public final class ServiceProcess: @unchecked Sendable {
    public let name: String
    public let port: Int
    private let extraEnvironment: [String: String]
    private var process: Process?
    public let logFile: URL

    /// `name` is the service (`authorizations`); the binary is `examhall-<name>` from the debug build.
    /// It listens on `port`, or on another free one when that is taken on this machine (`LocalPort`).
    public init(_ name: String, port: Int, environment: [String: String] = [:]) {
        self.name = name
        self.port = LocalPort.resolve(port)
        self.extraEnvironment = environment
        self.logFile = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-\(name)-\(self.port)-\(UUID().uuidString.prefix(8)).log")
    }

    public static var binaryDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["EXAMHALL_BIN_DIR"] { return URL(fileURLWithPath: override) }
        return TestStack.root.appendingPathComponent(".build/debug")
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts the process and waits until `/health/ready` says ready.
    public func start(timeout: Duration = .seconds(60)) async throws {
        try launch()
        try await waitUntilReady(timeout: timeout)
    }

    /// Starts the process without waiting for it, for tests of a service that cannot become ready.
    public func launch() throws {
        let binary = Self.binaryDirectory.appendingPathComponent("examhall-\(name)")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestStack.Failure(description: "\(binary.path) is missing: run `swift build` before the end-to-end tests (scripts/test does)")
        }
        let process = Process()
        process.executableURL = binary
        var environment = ProcessInfo.processInfo.environment
        environment.merge(try TestStack.environment(for: name)) { $1 }
        environment["EXAMHALL_HTTP_PORT"] = String(port)
        environment.merge(extraEnvironment) { $1 }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile.path) { _ = FileManager.default.createFile(atPath: logFile.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let process, !process.isRunning {
                throw TestStack.Failure(description: "examhall-\(name) exited with \(process.terminationStatus); log: \(logTail())")
            }
            if await readiness() == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestStack.Failure(description: "examhall-\(name) not ready after \(timeout); log: \(logTail())")
    }

    /// The status code of `/health/ready`, or nil when nothing answers.
    public func readiness() async -> Int? {
        await readinessAnswer().status
    }

    /// `/health/ready`'s status and body (which names each dependency up or down), or no status and
    /// why the request failed.
    public func readinessAnswer() async -> (status: Int?, body: String) {
        do {
            let reply = try await get("/health/ready", timeout: 2)
            return (reply.status, String(decoding: reply.body, as: UTF8.self))
        } catch {
            return (nil, "\(error)")
        }
    }

    /// A GET against the service, with an optional bearer token: status and body.
    public func get(_ path: String, token: String? = nil, timeout: TimeInterval = 10) async throws -> (status: Int, body: Data) {
        try await send("GET", path, token: token, timeout: timeout)
    }

    /// One sample of `/metrics`, named with its labels as the service prints them
    /// (`name{label="…",…}`); nil when it is not there.
    public func metric(_ sample: String) async throws -> Double? {
        let metrics = String(decoding: try await get("/metrics").body, as: UTF8.self)
        return metrics.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// Any request with an optional bearer token, correlation id and JSON body: status and body.
    public func send(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, correlationId: String? = nil, timeout: TimeInterval = 60
    ) async throws -> (status: Int, body: Data) {
        let reply = try await exchange(method, path, token: token, json: json, correlationId: correlationId, timeout: timeout)
        return (reply.status, reply.body)
    }

    /// As `send`, with the response's headers too.
    public func exchange(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, correlationId: String? = nil, timeout: TimeInterval = 60
    ) async throws -> (status: Int, body: Data, headers: [String: String]) {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let correlationId { request.setValue(correlationId, forHTTPHeaderField: "X-Correlation-Id") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        let headers = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) { headers, field in
            if let name = field.key as? String, let value = field.value as? String { headers[name.lowercased()] = value }
        }
        return (http?.statusCode ?? 0, data, headers)
    }

    /// kill -9: no shutdown code runs, as in a crash.
    public func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: the graceful shutdown path.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Waits for the process to end by itself: its exit status, or nil when it still runs at `timeout`.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        guard let process else { throw TestStack.Failure(description: "examhall-\(name) was never started") }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public var isRunning: Bool { process?.isRunning ?? false }

    public var residentMemoryKB: Int? {
        guard let pid = process?.processIdentifier,
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }

    /// Everything the process wrote so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    public func logTail(_ lines: Int = 30) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    deinit { kill() }
}
