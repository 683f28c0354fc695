import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// 1,000 booking requests (800 candidates, 200 of them asking twice) for 100 seats, over two replicas
/// of `examhall-sessions`, one of which is killed with -9 every 2 s (±1 s) and started again. A client
/// whose request died with its replica retries on the other one, as behind a load balancer. Exactly
/// 100 bookings, one `booking.confirmed` each, one email each at a real SMTP server, none for a refusal.
@Suite(.serialized) struct BookingRaceTests {
    @Test func hundredSeatsGoToExactlyHundredCandidatesWhileReplicasDie() async throws {
        let (candidates, repeats, seats) = (800, 200, 100)
        let sink = SMTPSink(port: 18292)
        try sink.start()
        defer { sink.stop() }
        try TestStack.purgeQueues(["sessions.dead"])
        let notifications = try await MailFlow.startNotifications(port: 18271, sink: sink)
        defer { notifications.stop() }
        let admin = AdminDatabase()

        let replicas = [ServiceProcess("sessions", port: 18269), ServiceProcess("sessions", port: 18270)]
        for replica in replicas { try await replica.start() }
        defer { replicas.forEach { $0.stop() } }
        let api = try await SessionsDriver(replicas)
        let session = try await api.publicSession(exam: try await api.exam(), capacity: seats)

        let prefix = "race-\(UUID().uuidString.prefix(8).lowercased())"
        var random = SeededGenerator(seed: 8)
        let requests = ((0..<candidates).map { $0 } + (0..<repeats).map { $0 }).shuffled(using: &random).map { "cand-\(prefix)-\($0)" }

        let killer = ReplicaKiller(replicas, seed: 9)
        // 25 requests a second: the seats go in the first few seconds, with kills among them, and the
        // refusals after them still meet kills.
        let paced = ContinuousClock.now
        let replies = try await concurrently(requests.count, width: 32) { index in
            try await Task.sleep(until: paced + .milliseconds(40 * index))
            return try await api.bookRetrying(session, candidate: requests[index], firstReplica: index)
        }
        let kills = try await killer.stop(replicas)
        #expect(kills >= 8, "replicas killed while candidates booked: \(kills)")

        // What candidates were told: every 201 is a seat, every refusal names its rule.
        #expect(replies.allSatisfy { [201, 409].contains($0.status) }, "\(Set(replies.map(\.status)))")
        let refusals = Set(replies.filter { $0.status == 409 }.compactMap(\.problem))
        #expect(refusals.isSubset(of: ["session-full", "already-booked"]), "\(refusals)")
        let toldConfirmed = Set(replies.filter { $0.status == 201 }.compactMap(\.id))

        // What the database holds.
        let id = UUID(uuidString: session)!
        let confirmed = try admin.query(
            "SELECT id, candidate_id FROM sessions.bookings WHERE session_id = $1 AND status = 'confirmed'", [id]
        ).map { (id: try $0.decode("id", as: UUID.self).uuidString.lowercased(), candidate: try $0.decode("candidate_id", as: String.self)) }
        #expect(confirmed.count == seats, "confirmed bookings: \(confirmed.count)")
        #expect(Set(confirmed.map(\.candidate)).count == confirmed.count, "no candidate holds two seats")
        #expect(toldConfirmed.isSubset(of: Set(confirmed.map(\.id))), "every 201 is a seat")
        #expect(try admin.query("SELECT seats_taken AS n FROM sessions.sessions WHERE id = $1", [id])[0].decode("n", as: Int.self) == seats)

        // One booking.confirmed per booking in the outbox, all of them published.
        let announced = try await eventually(timeout: .seconds(60), {
            try admin.query(
                """
                SELECT body::jsonb -> 'data' -> 'booking' ->> 'bookingId' AS booking, sent_at IS NOT NULL AS sent FROM sessions.outbox
                WHERE routing_key = 'booking.confirmed' AND body::jsonb -> 'data' -> 'booking' ->> 'sessionId' = $1
                """, [session]
            ).map { (booking: try $0.decode("booking", as: String.self), sent: try $0.decode("sent", as: Bool.self)) }
        }, until: { $0.allSatisfy(\.sent) })
        let events = EffectCheck("booking.confirmed outbox rows", expected: confirmed.map(\.id), observed: announced.map(\.booking))
        #expect(events.isExact, "\(events)")

        // One email per seat, none to a refused candidate.
        _ = try await sink.waitForMessages(seats, timeout: .seconds(120))
        try await Task.sleep(for: .seconds(3))  // anything duplicated would arrive now
        let received = try sink.recipients().filter { $0.contains(prefix) }
        let emails = EffectCheck("booking emails", expected: confirmed.map { "\($0.candidate)@example.org" }, observed: received)
        #expect(emails.isExact, "\(emails)")
        #expect(try DeadLetters.count("sessions") == 0 && DeadLetters.count("notifications") == 0, "nothing dead-lettered")
        print("chaos \(requests.count) booking requests for \(seats) seats, \(kills) replica kills: \(events); \(emails)")
    }
}
