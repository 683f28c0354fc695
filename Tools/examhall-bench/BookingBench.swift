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
struct Booking: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Concurrent POST /sessions/{id}/bookings against a running sessions service.")

    @Option(help: "Base URL of the sessions service") var url = "http://127.0.0.1:18281"
    @Option(help: "Bookings in all") var bookings = 4000
    @Option(help: "Sessions they share") var sessions = 4
    @Option(help: "Concurrent clients, for ExamHall and for pgbench") var clients = 32

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let databaseURL = environment["EXAMHALL_DATABASE_URL"], let secret = environment["EXAMHALL_JWT_SECRET"] else {
            throw ValidationError("needs the admin environment: eval \"$(scripts/stack env admin)\"")
        }
        let tokens = await TokenAuthority(secret: secret)
        let client = HTTPBench(base: URL(string: url)!)
        let prefix = "bench-\(UUID().uuidString.prefix(6).lowercased())"
        let csr = try await tokens.sign(Principal(subject: "bench-csr", role: .csr))
        let sessionIds = try await setUp(client: client, csr: csr, prefix: prefix)

        // Candidate tokens are signed before the clock starts: signing is the front end's work, not ours.
        var candidateTokens: [String] = []
        for index in 0..<bookings {
            candidateTokens.append(try await tokens.sign(Principal(
                subject: "\(prefix)-\(index)", role: .candidate, name: "Bench \(index)", email: "bench\(index)@example.org", language: "en", timeZone: "UTC"
            )))
        }
        let raw = try PgBench.conditionalSeatUpdate(url: databaseURL, transactions: bookings, rows: sessions, clients: clients)
        let ours = try await measure(client: client, sessionIds: sessionIds, tokens: candidateTokens)
        try verify(databaseURL: databaseURL, sessionIds: sessionIds)

        print(String(format: "raw PostgreSQL (pgbench, %d clients): conditional seat update on %d rows\n    %d in %.2f s = %.0f/s, p50 %.1f ms, p99 %.1f ms",
                     clients, sessions, bookings, raw.seconds, raw.rate, raw.p50 * 1000, raw.p99 * 1000))
        print(String(format: "ExamHall booking (%d clients over HTTP): POST /sessions/{id}/bookings on %d sessions\n    %d in %.2f s = %.0f/s, p50 %.1f ms, p99 %.1f ms",
                     clients, sessions, bookings, ours.seconds, ours.rate, ours.p50 * 1000, ours.p99 * 1000))
        print("")
        print("| scenario | bookings | clients | rate (/s) | p50 (ms) | p99 (ms) | ratio to raw |")
        print("|---|---|---|---|---|---|---|")
        print(String(format: "| booking (HTTP, %d sessions) | %d | %d | %.0f | %.1f | %.1f | %.2f |", sessions, bookings, clients, ours.rate, ours.p50 * 1000, ours.p99 * 1000, ours.rate / raw.rate))
        print(String(format: "| raw pgbench conditional seat update (%d rows) | %d | %d | %.0f | %.1f | %.1f | 1.00 |", sessions, bookings, clients, raw.rate, raw.p50 * 1000, raw.p99 * 1000))
    }

    /// An exam, a location and `sessions` public sessions with exactly enough seats for every booking.
    private func setUp(client: HTTPBench, csr: String, prefix: String) async throws -> [String] {
        let exam = "BENCH-\(prefix.suffix(6).uppercased())"
        _ = try await client.send("POST", "/exams", token: csr, json: #"{"code":"\#(exam)","title":"Benchmark","durationMinutes":60}"#)
        let location = try await client.send("POST", "/locations", token: csr, json: #"{"name":"Bench","address":"Nowhere 1","timeZone":"UTC"}"#)
        guard let locationId = location.json["id"] as? String else { throw ValidationError("creating a location failed: \(location.text)") }
        let start = Date().addingTimeInterval(30 * 86_400)
        var ids: [String] = []
        for index in 0..<sessions {
            let capacity = bookings / sessions + (index < bookings % sessions ? 1 : 0)
            let reply = try await client.send("POST", "/sessions", token: csr, json: """
                {"locationId":"\(locationId)","name":"Bench \(index)","examCodes":["\(exam)"],"selfEnrollment":true,"capacity":\(capacity),
                 "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 3600))"}}
                """)
            guard let id = reply.json["id"] as? String else { throw ValidationError("creating a session failed: \(reply.text)") }
            ids.append(id)
        }
        return ids
    }

    private func measure(client: HTTPBench, sessionIds: [String], tokens: [String]) async throws -> Timing {
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<clients {
                group.addTask {
                    var latencies: [Double] = []
                    var index = worker
                    while index < tokens.count {
                        let begin = ContinuousClock.now
                        let reply = try await client.send("POST", "/sessions/\(sessionIds[index % sessionIds.count])/bookings", token: tokens[index])
                        guard reply.status == 201 else { throw ValidationError("booking \(index) failed: \(reply.status) \(reply.text)") }
                        latencies.append((ContinuousClock.now - begin).seconds)
                        index += clients
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Timing(count: tokens.count, seconds: (ContinuousClock.now - started).seconds, latencies: latencies)
    }

    /// Every seat taken exactly once: the benchmark is only worth reporting if the rules held.
    private func verify(databaseURL: String, sessionIds: [String]) throws {
        let database = try PGConnection.connect(url: databaseURL, schema: nil, applicationName: "examhall-bench")
        let confirmed: Int = try database.query(
            "SELECT count(*) AS n FROM sessions.bookings WHERE session_id = ANY($1::uuid[]) AND status = 'confirmed'", [sessionIds]
        )[0].decode("n")
        guard confirmed == bookings else { throw ValidationError("expected \(bookings) confirmed bookings, found \(confirmed)") }
    }
}

struct Timing {
    let count: Int
    let seconds: Double
    let latencies: [Double]

    var rate: Double { Double(count) / seconds }
    var p50: Double { percentile(0.50) }
    var p99: Double { percentile(0.99) }

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
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

/// pgbench running `UPDATE … SET taken = taken + 1 WHERE id = :id AND taken < capacity` on a few rows,
/// one transaction each, with per-transaction latencies from its log.
enum PgBench {
    static func conditionalSeatUpdate(url: String, transactions: Int, rows: Int, clients: Int) throws -> Timing {
        let setup = try PGConnection.connect(url: url, schema: nil, applicationName: "examhall-bench")
        let table = "bench_seats_\(UUID().uuidString.prefix(8).lowercased())"
        try setup.execute("CREATE TABLE public.\(table) (id integer PRIMARY KEY, capacity integer NOT NULL, taken integer NOT NULL DEFAULT 0)")
        defer { _ = try? setup.execute("DROP TABLE public.\(table)") }
        try setup.execute("INSERT INTO public.\(table) (id, capacity) SELECT g, $1 FROM generate_series(1, $2) g", [transactions, rows])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("examhall-pgbench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("seat.sql")
        try """
        \\set id random(1, \(rows))
        UPDATE public.\(table) SET taken = taken + 1 WHERE id = :id AND taken < capacity;
        """.write(to: script, atomically: true, encoding: .utf8)

        let perClient = max(1, transactions / clients)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pgbench", "-n", "-f", script.path, "-c", String(clients), "-j", "2", "-t", String(perClient), "-l", "--log-prefix", directory.appendingPathComponent("log").path, url]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("pgbench failed: \(text)") }

        // Log lines: client_id transaction_no time_us script_no time_epoch time_us_part
        var latencies: [Double] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix("log") {
            let log = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for line in log.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count >= 3, let micros = Double(fields[2]) { latencies.append(micros / 1_000_000) }
            }
        }
        let seconds = text.split(separator: "\n").first { $0.hasPrefix("tps = ") }
            .flatMap { Double($0.dropFirst(6).split(separator: " ").first ?? "") }
            .map { Double(perClient * clients) / $0 } ?? 0
        return Timing(count: perClient * clients, seconds: seconds, latencies: latencies)
    }
}
