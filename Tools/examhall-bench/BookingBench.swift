import ArgumentParser
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Bookings under contention (many candidates, few sessions) through a running `examhall-sessions`,
/// beside pgbench running the equivalent conditional seat update with as many clients, in the same run.
/// Both load generators are C programs (wrk, pgbench), so neither side pays for a heavy client.
struct Booking: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Concurrent POST /sessions/{id}/bookings against a running sessions service.")

    @Option(help: "Base URL of the sessions service") var url = "http://127.0.0.1:18281"
    @Option(help: "Seconds the ExamHall measurement runs") var duration = 10
    @Option(help: "Transactions of the raw pgbench baseline") var rawTransactions = 30_000
    @Option(help: "Sessions the bookings share") var sessions = 4
    @Option(help: "Concurrent clients (connections), for ExamHall and for pgbench") var clients = 32
    @Option(help: "Distinct candidates prepared (more than can book in the duration)") var candidates = 120_000

    func run() async throws { try await IdleInboxes.around { try await measure() } }

    private func measure() async throws {
        let (databaseURL, secret) = (try adminSetting("EXAMHALL_DATABASE_URL"), try adminSetting("EXAMHALL_JWT_SECRET"))
        let tokens = await TokenAuthority(secret: secret)
        let client = HTTPBench(base: URL(string: url)!)
        let prefix = "bench-\(UUID().uuidString.prefix(6).lowercased())"
        let csr = try await tokens.sign(Principal(subject: "bench-csr", role: .csr))
        let sessionIds = try await setUp(client: client, csr: csr, prefix: prefix)

        // Candidate tokens are signed before the clock starts: signing is the identity provider's work, not ours.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-bench-\(prefix)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var lines: [String] = []
        for index in 0..<candidates {
            let token = try await tokens.sign(Principal(
                subject: "\(prefix)-\(index)", role: .candidate, name: "Bench \(index)", email: "bench\(index)@example.org", language: "en", timeZone: "UTC"
            ), validFor: 3600)
            lines.append("\(sessionIds[index % sessionIds.count]) \(token)")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: work.appendingPathComponent("requests.txt"), atomically: true, encoding: .utf8)

        let raw = try PgBench.conditionalSeatUpdate(url: databaseURL, transactions: rawTransactions, rows: sessions, clients: clients)
        let ours = try Wrk.bookings(base: url, requests: work.appendingPathComponent("requests.txt"), directory: work, seconds: duration, clients: clients)
        guard ours.failures == 0 else { throw ValidationError("\(ours.failures) booking requests failed (see the service's log)") }
        try verify(databaseURL: databaseURL, sessionIds: sessionIds, accepted: ours.timing.count, inFlightAtTheEnd: clients)

        print(String(format: "raw PostgreSQL (pgbench, %d clients): conditional seat update on %d rows\n    %d in %.2f s = %.0f/s, p50 %.1f ms, p99 %.1f ms",
                     clients, sessions, raw.count, raw.seconds, raw.rate, raw.p50 * 1000, raw.p99 * 1000))
        print(String(format: "ExamHall booking (wrk, %d connections): POST /sessions/{id}/bookings on %d sessions\n    %d in %.2f s = %.0f/s, p50 %.1f ms, p99 %.1f ms",
                     clients, sessions, ours.timing.count, ours.timing.seconds, ours.timing.rate, ours.timing.p50 * 1000, ours.timing.p99 * 1000))
        print("")
        print("| scenario | bookings | clients | rate (/s) | p50 (ms) | p99 (ms) | ratio to raw |")
        print("|---|---|---|---|---|---|---|")
        print(String(format: "| booking (HTTP, %d sessions) | %d | %d | %.0f | %.1f | %.1f | %.2f |", sessions, ours.timing.count, clients,
                     ours.timing.rate, ours.timing.p50 * 1000, ours.timing.p99 * 1000, ours.timing.rate / raw.rate))
        print(String(format: "| raw pgbench conditional seat update (%d rows) | %d | %d | %.0f | %.1f | %.1f | 1.00 |", sessions, raw.count, clients, raw.rate, raw.p50 * 1000, raw.p99 * 1000))
    }

    /// An exam, a location and `sessions` public sessions, each with a seat for every candidate sent to it.
    private func setUp(client: HTTPBench, csr: String, prefix: String) async throws -> [String] {
        let start = Date().addingTimeInterval(30 * 86_400)
        let seatsEach = (candidates + sessions - 1) / sessions
        return try await client.publicSessions(csr: csr, prefix: prefix, timeZone: "UTC", starts: Array(repeating: start, count: sessions), capacity: seatsEach)
    }

    /// Every accepted booking is a confirmed seat and every seat a booking: the figure is only worth
    /// reporting if the rules held. wrk stops counting with up to one request per connection in flight.
    private func verify(databaseURL: String, sessionIds: [String], accepted: Int, inFlightAtTheEnd: Int) throws {
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        let row = try database.query(
            """
            SELECT (SELECT count(*) FROM sessions.bookings WHERE session_id = ANY($1::uuid[]) AND status = 'confirmed') AS confirmed,
                   (SELECT sum(seats_taken) FROM sessions.sessions WHERE id = ANY($1::uuid[])) AS seats
            """, [sessionIds]
        )[0]
        let confirmed: Int = try row.decode("confirmed")
        let seats: Int = try row.decode("seats")
        guard seats == confirmed, (accepted...(accepted + inFlightAtTheEnd)).contains(confirmed) else {
            throw ValidationError("wrk saw \(accepted) bookings accepted; the database has \(confirmed) confirmed and \(seats) seats taken")
        }
    }
}

/// wrk posting one booking per prepared candidate (`requests.txt`: "sessionId token" per line).
enum Wrk {
    struct Result {
        let timing: Timing
        let failures: Int
    }

    static func bookings(base: String, requests: URL, directory: URL, seconds: Int, clients: Int) throws -> Result {
        let threads = 2
        let script = directory.appendingPathComponent("booking.lua")
        try """
        local lines = {}
        local next_line = 0
        local thread_count = 0
        function setup(thread)
          thread:set("first", thread_count)
          thread_count = thread_count + 1
        end
        function init(args)
          for line in io.lines("\(requests.path)") do lines[#lines + 1] = line end
          next_line = first
        end
        function request()
          local session, token = lines[(next_line % #lines) + 1]:match("(%S+) (%S+)")
          next_line = next_line + \(threads)
          return wrk.format("POST", "/sessions/" .. session .. "/bookings", {["Authorization"] = "Bearer " .. token}, nil)
        end
        """.write(to: script, atomically: true, encoding: .utf8)
        return try run(["-t", String(threads), "-c", String(clients), "-d", "\(seconds)s", "--latency", "-s", script.path, base])
    }

    /// wrk sending `GET path` with a bearer token on `clients` connections for `seconds`.
    static func get(base: String, path: String, token: String, seconds: Int, clients: Int) throws -> Result {
        try run(["-t", "2", "-c", String(clients), "-d", "\(seconds)s", "--latency", "-H", "Authorization: Bearer \(token)", base + path])
    }

    /// Runs wrk and reads its summary: requests answered 2xx, elapsed time, p50 and p99.
    static func run(_ arguments: [String]) throws -> Result {
        let output = try runTool("wrk", arguments)

        // "  4123 requests in 10.00s, …", "Non-2xx or 3xx responses: 3", latency lines "     50%   12.34ms".
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let summary = lines.first(where: { $0.contains(" requests in ") }),
              let count = Int(summary.split(separator: " ").first ?? ""),
              let elapsed = summary.components(separatedBy: " requests in ").last?.split(separator: "s").first.flatMap({ Double($0) }) else {
            throw ValidationError("unexpected wrk output: \(output)")
        }
        let failures = lines.first { $0.hasPrefix("Non-2xx or 3xx responses:") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        func percentile(_ label: String) -> Double {
            guard let line = lines.first(where: { $0.hasPrefix(label) }), let value = line.split(separator: " ", omittingEmptySubsequences: true).last else { return 0 }
            let text = String(value)
            for (unit, scale) in [("ms", 0.001), ("us", 0.000_001), ("s", 1.0)] where text.hasSuffix(unit) {
                return (Double(text.dropLast(unit.count)) ?? 0) * scale
            }
            return 0
        }
        let accepted = count - failures
        return Result(timing: Timing(count: accepted, seconds: elapsed, latencies: [], fixedP50: percentile("50%"), fixedP99: percentile("99%")), failures: failures)
    }
}

struct Timing {
    let count: Int
    let seconds: Double
    let latencies: [Double]
    /// Percentiles a load generator computed itself.
    var fixedP50: Double?
    var fixedP99: Double?

    var rate: Double { Double(count) / seconds }
    var p50: Double { fixedP50 ?? percentile(0.50) }
    var p99: Double { fixedP99 ?? percentile(0.99) }

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}

extension HTTPBench {
    /// An exam and a location of the run's own (`prefix`), and a public session of that exam at each of
    /// `starts`, an hour long with `capacity` seats, created as the CSR `csr`; returns the session ids.
    func publicSessions(csr: String, prefix: String, timeZone: String, starts: [Date], capacity: Int) async throws -> [String] {
        let exam = "BENCH-\(prefix.suffix(6).uppercased())"
        _ = try await send("POST", "/exams", token: csr, json: #"{"code":"\#(exam)","title":"Benchmark","durationMinutes":60}"#)
        let location = try await send("POST", "/locations", token: csr, json: #"{"name":"Bench","address":"Nowhere 1","timeZone":"\#(timeZone)"}"#)
        guard let locationId = location.json["id"] as? String else { throw ValidationError("creating a location failed: \(location.text)") }
        var ids: [String] = []
        for (index, start) in starts.enumerated() {
            let reply = try await send("POST", "/sessions", token: csr, json: """
                {"locationId":"\(locationId)","name":"Bench \(index)","examCodes":["\(exam)"],"selfEnrollment":true,"capacity":\(capacity),
                 "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 3600))"}}
                """)
            guard let id = reply.json["id"] as? String else { throw ValidationError("creating a session failed: \(reply.text)") }
            ids.append(id)
        }
        return ids
    }
}

/// A small HTTP client for the benchmark.
struct HTTPBench: Sendable {
    let base: URL

    struct Reply {
        let status: Int
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func send(_ method: String, _ path: String, token: String, json: String? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.timeoutInterval = 60
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }
}

/// Runs a command-line tool (wrk, pgbench) to the end; its output, or an error with it.
func runTool(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ValidationError("\(tool) failed: \(text)") }
    return text
}

/// pgbench running `UPDATE … SET taken = taken + 1 WHERE id = :id AND taken < capacity` on a few rows,
/// one transaction each, with per-transaction latencies from its log.
enum PgBench {
    static func conditionalSeatUpdate(url: String, transactions: Int, rows: Int, clients: Int) throws -> Timing {
        let setup = try PGConnection.connect(url: url, schema: nil, applicationName: "examhall-bench")
        let table = "bench_seats_\(UUID().uuidString.prefix(8).lowercased())"
        try setup.execute("CREATE TABLE public.\(table) (id integer PRIMARY KEY, capacity integer NOT NULL, taken integer NOT NULL DEFAULT 0)")
        defer { _ = try? setup.execute("DROP TABLE public.\(table)") }
        try setup.execute("INSERT INTO public.\(table) (id, capacity) SELECT g, 100000000 FROM generate_series(1, $1) g", [rows])

        return try run(url: url, script: """
            \\set id random(1, \(rows))
            UPDATE public.\(table) SET taken = taken + 1 WHERE id = :id AND taken < capacity;
            """, transactions: transactions, clients: clients)
    }

    /// Runs `script` as pgbench transactions on `clients` connections, with per-transaction latencies
    /// from its log. A fixed number of transactions (`-t`): pgbench's `-T` relies on SIGALRM, which a
    /// child of a Swift process may have blocked, and then never stops.
    static func run(url: String, script: String, transactions: Int, clients: Int) throws -> Timing {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-pgbench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("script.sql")
        try script.write(to: file, atomically: true, encoding: .utf8)

        let log = directory.appendingPathComponent("log")
        let perClient = max(1, transactions / clients)
        let text = try runTool("pgbench", ["-n", "-f", file.path, "-c", String(clients), "-j", "2", "-t", String(perClient), "-l", "--log-prefix", log.path, url])

        // Log lines: client_id transaction_no time_us script_no time_epoch time_us_part
        var latencies: [Double] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasPrefix("log") {
            let contents = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            for line in contents.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count >= 3, let micros = Double(fields[2]) { latencies.append(micros / 1_000_000) }
            }
        }
        let processed = perClient * clients
        let tps = text.split(separator: "\n").first { $0.hasPrefix("tps = ") }.flatMap { Double($0.dropFirst(6).split(separator: " ").first ?? "") }
        guard let tps, tps > 0 else { throw ValidationError("unexpected pgbench output: \(text)") }
        return Timing(count: processed, seconds: Double(processed) / tps, latencies: latencies)
    }
}
