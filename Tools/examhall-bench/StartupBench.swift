import ArgumentParser
import ExamHallMessaging
import ExamHallStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Start-up to ready, idle memory and graceful stop of one service executable, beside the least any
/// service must do before it is ready: open a PostgreSQL and a RabbitMQ connection with its own
/// credentials. Run with the service's environment (`scripts/bench startup` does).
struct Startup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time a service from launch to /health/ready, beside raw connections to its database and broker.")

    @Option(help: "The service executable") var binary: String
    @Option(help: "The HTTP port it listens on") var port: Int
    @Option(help: "Starts to measure") var runs = 5

    func run() async throws {
        // The service's own settings: scripts/bench runs this with `scripts/stack env SERVICE`.
        let (amqpURL, databaseURL) = (try adminSetting("EXAMHALL_AMQP_URL"), try adminSetting("EXAMHALL_DATABASE_URL"))
        var raw: [Double] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
            _ = try database.query("SELECT 1 AS one", [])
            let broker = try AMQPConnection.open(try AMQPEndpoint(url: amqpURL))
            raw.append((ContinuousClock.now - started).seconds)
            broker.close()
            withExtendedLifetime(database) {}  // closed when released, after the broker
        }
        var ready: [Double] = []
        var stop: [Double] = []
        var idleKB: [Int] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let started = ContinuousClock.now
            try process.run()
            try await waitUntilReady(process)
            ready.append((ContinuousClock.now - started).seconds)
            try await Task.sleep(for: .seconds(3))
            idleKB.append(Self.residentKB(process.processIdentifier) ?? 0)
            let stopping = ContinuousClock.now
            process.terminate()
            process.waitUntilExit()
            stop.append((ContinuousClock.now - stopping).seconds)
            guard process.terminationReason == .exit, process.terminationStatus == 0 else {
                throw ValidationError("\(binary) did not stop cleanly on SIGTERM (status \(process.terminationStatus))")
            }
        }
        let name = URL(fileURLWithPath: binary).lastPathComponent
        let (oursMS, rawMS) = (median(ready) * 1000, median(raw) * 1000)
        print(String(
            format: "| %@ | %.0f ms | %.0f ms | %.2f | %.1f MB | %.0f ms |",
            name, oursMS, rawMS, rawMS / oursMS, Double(idleKB.sorted()[idleKB.count / 2]) / 1024, median(stop) * 1000
        ))
    }

    private func waitUntilReady(_ process: Process) async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/health/ready")!
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw ValidationError("\(binary) exited with \(process.terminationStatus) before it was ready") }
            var request = URLRequest(url: url)
            request.timeoutInterval = 1
            if let (_, response) = try? await URLSession.shared.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        process.terminate()
        throw ValidationError("\(binary) not ready after 60 s")
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func residentKB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }
}
