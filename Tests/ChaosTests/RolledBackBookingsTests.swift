import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// Bookings stream into two `examhall-sessions` replicas while one of them (and so its outbox relay)
/// is killed with -9 every 2 s (±1 s), and one booking in ten is written, then forced to roll back
/// (`EXAMHALL_ROLLBACK_CORRELATION_PREFIX`), which also rolls back the group commit it shared with
/// others. Every committed booking is published once, nothing of a rolled-back one ever is.
@Suite(.serialized) struct RolledBackBookingsTests {
    static let rollback = "rollback-"

    @Test func everyCommittedBookingIsPublishedOnceAndNoRolledBackOneEver() async throws {
        let (total, perSecond) = ChaosScale.pick(short: (1_000, 100), full: (10_000, 200))
        try TestStack.purgeQueues(["sessions.dead"])
        let tap = try EventTap(routingKeys: ["booking.confirmed"])
        let replicas = [18272, 18273].map { ServiceProcess("sessions", port: $0, environment: ["EXAMHALL_ROLLBACK_CORRELATION_PREFIX": Self.rollback]) }
        for replica in replicas { try await replica.start() }
        defer { replicas.forEach { $0.stop() } }
        let api = try await SessionsDriver(replicas)
        let session = try await api.publicSession(exam: try await api.exam(), capacity: total)

        let prefix = "rb-\(UUID().uuidString.prefix(8).lowercased())"
        let candidates = (0..<total).map { "cand-\(prefix)-\($0)" }
        let rolledBack = Set(candidates.enumerated().filter { $0.offset % 10 == 7 }.map(\.element))
        let committed = candidates.filter { !rolledBack.contains($0) }

        let killer = ReplicaKiller(replicas, seed: 10)
        let paced = ContinuousClock.now
        let interval = 1_000_000 / perSecond
        let replies = try await concurrently(total, width: 32) { index in
            try await Task.sleep(until: paced + .microseconds(interval * index))
            let candidate = candidates[index]
            let correlation = rolledBack.contains(candidate) ? Self.rollback : "booking-"
            return try await api.bookRetrying(session, candidate: candidate, correlationId: correlation + UUID().uuidString.lowercased(), firstReplica: index)
        }
        let kills = try await killer.stop(replicas)
        #expect(kills >= 4, "replicas killed while bookings streamed: \(kills)")

        // Clients: a rolled-back booking is a 500 each time; a committed one a 201, or "already booked"
        // when its first reply died with a replica and the retry found it.
        for (candidate, reply) in zip(candidates, replies) {
            if rolledBack.contains(candidate) {
                #expect(reply.status == 500 && reply.problem == "internal-error", "\(candidate): \(reply.status) \(reply.text)")
            } else {
                #expect(reply.status == 201 || reply.problem == "already-booked", "\(candidate): \(reply.status) \(reply.text)")
            }
        }

        let admin = AdminDatabase()
        let id = UUID(uuidString: session)!
        let booked = try admin.query("SELECT candidate_id FROM sessions.bookings WHERE session_id = $1 AND status = 'confirmed'", [id])
            .map { try $0.decode("candidate_id", as: String.self) }
        let unsent = try await eventually(timeout: .seconds(120), {
            try admin.query("SELECT count(*)::int AS n FROM sessions.outbox WHERE sent_at IS NULL AND body::jsonb -> 'data' -> 'booking' ->> 'sessionId' = $1", [session])[0]
                .decode("n", as: Int.self)
        }, until: { $0 == 0 })
        #expect(unsent == 0, "every outbox row published")
        let rows = try admin.query(
            "SELECT body::jsonb -> 'data' -> 'booking' ->> 'candidateId' AS candidate FROM sessions.outbox WHERE routing_key = 'booking.confirmed' AND body::jsonb -> 'data' -> 'booking' ->> 'sessionId' = $1",
            [session]
        ).map { try $0.decode("candidate", as: String.self) }

        var candidateByEventId: [String: String] = [:]
        var copies = 0
        for delivery in try tap.drain(quiet: .seconds(3), until: { $0.count >= committed.count }) {
            let event = try EnvelopeDecoder.decode(BookingConfirmed.self, from: delivery.body)
            guard event.data.booking.sessionId == session else { continue }
            if candidateByEventId.updateValue(event.data.booking.candidateId, forKey: event.id) != nil { copies += 1 }
        }
        let checks = [
            EffectCheck("confirmed bookings", expected: committed, observed: booked),
            EffectCheck("booking.confirmed outbox rows", expected: committed, observed: rows),
            EffectCheck("booking.confirmed events (distinct ids)", expected: committed, observed: candidateByEventId.values),
        ]
        for check in checks { #expect(check.isExact, "\(check)") }
        #expect(try DeadLetters.count("sessions") == 0, "nothing dead-lettered")
        print("chaos \(total) bookings, \(rolledBack.count) forced to roll back, \(kills) replica kills: \(checks.map(\.description).joined(separator: "; ")); \(copies) repeated copies on the wire")
    }
}
