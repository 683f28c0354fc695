import ArgumentParser
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// The read paths staff use most, through a running `examhall-sessions`: a week of the calendar and one
/// session, each beside pgbench running the same SQL the endpoint runs (sessions with their location,
/// and their booking and proctor counts) with as many clients, in the same run. The gap is what HTTP,
/// authentication, JSON and the service itself cost on top of the database.
struct Reads: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "GET /calendar and GET /sessions/{id} against a running sessions service.")

    @Option(help: "Base URL of the sessions service") var url = "http://127.0.0.1:18281"
    @Option(help: "Seconds each ExamHall measurement runs") var duration = 10
    @Option(help: "Transactions of each raw pgbench baseline") var rawTransactions = 20_000
    @Option(help: "Concurrent clients (connections), for ExamHall and for pgbench") var clients = 32
    @Option(help: "Sessions in the week the calendar shows") var sessions = 50
    @Option(help: "Candidates booked into each session") var bookingsPerSession = 20

    func run() async throws { try await IdleInboxes.around { try await measure() } }

    private func measure() async throws {
        let (databaseURL, secret) = (try adminSetting("EXAMHALL_DATABASE_URL"), try adminSetting("EXAMHALL_JWT_SECRET"))
        let tokens = await TokenAuthority(secret: secret)
        let client = HTTPBench(base: URL(string: url)!)
        let prefix = "bench-\(UUID().uuidString.prefix(6).lowercased())"
        let csr = try await tokens.sign(Principal(subject: "bench-csr", role: .csr), validFor: 3600)
        // A week no other data shares: far enough ahead that earlier runs' sessions are elsewhere.
        let weekStart = Date().addingTimeInterval(Double(Int.random(in: 400...4000)) * 86_400)
        let ids = try await setUp(client: client, csr: csr, tokens: tokens, prefix: prefix, weekStart: weekStart)

        let (from, to) = (Timestamp.format(weekStart), Timestamp.format(weekStart + 7 * 86_400))
        let calendarPath = "/calendar?from=\(from)&to=\(to)"
        let first = try await client.send("GET", calendarPath, token: csr)
        guard first.status == 200, (first.json["sessions"] as? [Any])?.count == sessions else {
            throw ValidationError("the calendar does not show the \(sessions) sessions: \(first.status) \(first.text.prefix(300))")
        }
        let sessionPath = "/sessions/\(ids[0])"

        let rows = """
            SELECT s.*, l.name AS location_name, l.address, l.time_zone,
                (SELECT count(*) FROM sessions.bookings b WHERE b.session_id = s.id AND b.status = 'confirmed') AS confirmed,
                (SELECT count(*) FROM sessions.bookings b WHERE b.session_id = s.id AND b.status = 'awaiting-payment') AS held,
                (SELECT count(*) FROM sessions.bookings b WHERE b.session_id = s.id AND b.status = 'waitlisted') AS waitlisted,
                (SELECT count(*) FROM sessions.session_proctors p WHERE p.session_id = s.id) AS proctors
            FROM sessions.sessions s JOIN sessions.locations l ON l.id = s.location_id
            """
        let rawCalendar = try PgBench.run(
            url: databaseURL, script: "\(rows) WHERE s.ends_at > '\(from)' AND s.starts_at < '\(to)' ORDER BY s.starts_at, s.id LIMIT 2000;\n",
            transactions: rawTransactions, clients: clients
        )
        let calendar = try Wrk.get(base: url, path: calendarPath, token: csr, seconds: duration, clients: clients)
        let rawSession = try PgBench.run(url: databaseURL, script: "\(rows) WHERE s.id = '\(ids[0])';\n", transactions: rawTransactions, clients: clients)
        let session = try Wrk.get(base: url, path: sessionPath, token: csr, seconds: duration, clients: clients)
        for (name, result) in [("calendar", calendar), ("session", session)] where result.failures > 0 {
            throw ValidationError("\(result.failures) \(name) requests failed (see the service's log)")
        }

        print("")
        print("| scenario | requests | clients | rate (/s) | p50 (ms) | p99 (ms) | ratio to raw |")
        print("|---|---|---|---|---|---|---|")
        for (name, ours, raw) in [
            ("GET /calendar (a week, \(sessions) sessions, \(sessions * bookingsPerSession) bookings)", calendar.timing, rawCalendar),
            ("GET /sessions/{id}", session.timing, rawSession),
        ] {
            print(String(format: "| %@ | %d | %d | %.0f | %.1f | %.1f | %.2f |", name, ours.count, clients, ours.rate, ours.p50 * 1000, ours.p99 * 1000, ours.rate / raw.rate))
            print(String(format: "| raw pgbench, the same SQL | %d | %d | %.0f | %.1f | %.1f | 1.00 |", raw.count, clients, raw.rate, raw.p50 * 1000, raw.p99 * 1000))
        }
    }

    /// An exam, a location, `sessions` public sessions spread over the week, each with
    /// `bookingsPerSession` confirmed candidates.
    private func setUp(client: HTTPBench, csr: String, tokens: TokenAuthority, prefix: String, weekStart: Date) async throws -> [String] {
        let starts = (0..<sessions).map { weekStart + Double($0) * (7 * 86_400 / Double(sessions)) }
        let ids = try await client.publicSessions(csr: csr, prefix: prefix, timeZone: "Europe/Paris", starts: starts, capacity: bookingsPerSession * 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    for seat in 0..<bookingsPerSession {
                        let candidate = "\(prefix)-\(index)-\(seat)"
                        let token = try await tokens.sign(Principal(
                            subject: candidate, role: .candidate, name: "Bench", email: "\(candidate)@example.org", language: "en", timeZone: "UTC"
                        ), validFor: 3600)
                        let reply = try await client.send("POST", "/sessions/\(id)/bookings", token: token)
                        guard reply.status == 201 else { throw ValidationError("booking failed: \(reply.status) \(reply.text)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return ids
    }
}
