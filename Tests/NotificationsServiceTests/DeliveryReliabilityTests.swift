import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import ServiceLifecycleTestKit
import Testing
@testable import NotificationsService

/// Exactly one email per (event, recipient, kind) whatever is redelivered or however many senders run;
/// a mail server that is down delays email, a refused address fails alone.
@Suite(.serialized) struct DeliveryReliabilityTests {
    @Test func redeliveredEventsAndCompetingSendersStillSendEachEmailOnce() async throws {
        let bed = try await NotificationTestBed(port: 18194)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidates = (0..<20).map { _ in NotificationTestBed.candidate(language: "en", timeZone: "UTC") }
        let deliveries = try candidates.map { try Delivery.of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }
        #expect(await bed.handle(deliveries))
        // The broker redelivers all of them (same message ids), in two overlapping batches.
        #expect(await bed.handle(Array(deliveries[0..<15])))
        #expect(await bed.handle(Array(deliveries[5...])))
        // Three senders (as three replicas would) drain the queue together.
        try await bed.drain(senders: 3)
        for candidate in candidates {
            #expect(try bed.mail(to: candidate.contact.email).count == 1, "\(candidate.id)")
            #expect(try bed.deliveries(of: candidate.id).map(\.status) == ["sent"])
        }
    }

    /// Confirmations in a batch are recorded and enqueued together; each keeps the outcome it would have
    /// alone: a re-send beside its original is still one email, one overtaken by its cancellation sends
    /// none, a promotion from the waiting list says so. A batch with a re-send in it is recorded one
    /// confirmation after the other, one without in a few set-based statements: both ways are checked.
    @Test(arguments: [true, false]) func aBatchOfConfirmationsKeepsEachOnesOutcome(withAResend: Bool) async throws {
        let bed = try await NotificationTestBed(port: 18211)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let (plain, resent, overtaken, promoted) = (
            NotificationTestBed.candidate(language: "en", timeZone: "UTC"), NotificationTestBed.candidate(language: "fr", timeZone: "Europe/Paris"),
            NotificationTestBed.candidate(language: "en", timeZone: "UTC"), NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        )
        let overtakenConfirmation = NotificationTestBed.confirmed(overtaken, session: session)
        #expect(await bed.handle([try .of(BookingCancelled(
            booking: overtakenConfirmation.booking, session: session, candidate: overtaken.contact, reason: "changed my plans", actor: .candidate, cancelledAt: Date()
        ), exchange: .events)]))
        let resentConfirmation = NotificationTestBed.confirmed(resent, session: session)
        #expect(await bed.handle([
            try .of(NotificationTestBed.confirmed(plain, session: session), exchange: .events), try .of(resentConfirmation, exchange: .events),
            try .of(overtakenConfirmation, exchange: .events),
            try .of(NotificationTestBed.confirmed(promoted, session: session, fromWaitlist: true), exchange: .events),
        ] + (withAResend ? [try .of(resentConfirmation, exchange: .events)] : [])))
        try await bed.drain()

        #expect(try bed.deliveries(of: plain.id).map(\.kind) == ["booking-confirmed"])
        #expect(try bed.deliveries(of: resent.id).map(\.kind) == ["booking-confirmed"])
        #expect(try bed.deliveries(of: overtaken.id).isEmpty)
        #expect(try bed.deliveries(of: promoted.id).map(\.kind) == ["waitlist-promoted"])
        #expect(try bed.mail(to: plain.contact.email).count == 1)
        let french = try #require(try bed.mail(to: resent.contact.email).first)
        #expect(try bed.mail(to: resent.contact.email).count == 1)
        #expect(french.headers["Subject"]?.hasPrefix("Votre examen CLOUD-101 est réservé") == true)
        #expect(try bed.mail(to: plain.contact.email).first?.headers["Subject"]?.hasPrefix("Your CLOUD-101 exam is booked") == true)
    }

    /// A producer that retries with a fresh envelope, or a dead letter replayed as a new message, brings
    /// the same news under a new message id: the inbox lets it through, the email is still not sent twice.
    /// News that only looks alike (a second move, a second change) is still told.
    @Test func theSameNewsUnderANewMessageIdIsStillOneEmail() async throws {
        let bed = try await NotificationTestBed(port: 18210)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let later = NotificationTestBed.session(start: Date() + 12 * 86_400)
        let candidate = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let confirmed = NotificationTestBed.confirmed(candidate, session: session)
        let booking = confirmed.booking
        let movedAt = Date()
        let firstMove = BookingTransferred(
            booking: BookingRef(bookingId: booking.bookingId, sessionId: later.sessionId, candidateId: candidate.id, examCode: "CLOUD-101", authorizationId: nil),
            fromSessionId: session.sessionId, session: later, candidate: candidate.contact, actor: .csr, transferredAt: movedAt
        )
        var secondMove = firstMove
        secondMove.transferredAt = movedAt + 60
        var roomChange = SessionUpdated(session: later, previousStart: nil, previousEnd: nil, changedFields: [.room])
        roomChange.session.room = "Salle 5"
        var anotherRoomChange = roomChange
        anotherRoomChange.session.room = "Salle 7"
        let verdict = AttemptVerified(
            attemptId: UUID().uuidString.lowercased(), bookingId: booking.bookingId, candidateId: candidate.id, examCode: "CLOUD-101",
            authorizationId: nil, verdict: .positive, verifiedAt: Date(), verifiedBy: "csr-1", candidate: candidate.contact
        )
        let news: [Delivery] = [
            try .of(confirmed, exchange: .events), try .of(firstMove, exchange: .events), try .of(secondMove, exchange: .events),
            try .of(roomChange, exchange: .events), try .of(anotherRoomChange, exchange: .events), try .of(verdict, exchange: .events),
        ]
        for delivery in news { #expect(await bed.handle([delivery])) }
        // Every one of them again, each under a new message id.
        let resent: [Delivery] = [
            try .of(confirmed, exchange: .events), try .of(firstMove, exchange: .events), try .of(secondMove, exchange: .events),
            try .of(roomChange, exchange: .events), try .of(anotherRoomChange, exchange: .events), try .of(verdict, exchange: .events),
        ]
        #expect(Set(resent.map(\.properties.messageId)).isDisjoint(with: news.map(\.properties.messageId)))
        for delivery in resent { #expect(await bed.handle([delivery])) }
        try await bed.drain()

        let kinds = try bed.deliveries(of: candidate.id).map(\.kind).sorted()
        #expect(kinds == ["booking-confirmed", "booking-transferred", "booking-transferred", "result-available", "session-changed", "session-changed"])
        #expect(try bed.mail(to: candidate.contact.email).count == 6)
    }

    @Test func emailsClaimedByASenderThatDiedAreSentOnceItsLeaseRunsOut() async throws {
        let bed = try await NotificationTestBed(port: 18204)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidates = (0..<3).map { _ in NotificationTestBed.candidate(language: "en", timeZone: "UTC") }
        #expect(await bed.handle(try candidates.map { try .of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }))
        // A sender claims the batch and dies before sending any of it.
        let now = bed.environment.clock()
        let claimed = try await bed.environment.database.withConnection {
            try DeliveryStore(connection: $0).claim(now: now, lease: now + DeliverySender.leaseLength, limit: 1000).emails
        }
        #expect(Set(candidates.map(\.id)).isSubset(of: Set(claimed.map(\.delivery.candidateId))))
        try await bed.drain(senders: 2)
        for candidate in candidates { #expect(try bed.mail(to: candidate.contact.email).isEmpty, "held by the lease") }
        bed.advance(by: DeliverySender.leaseLength + 1)
        try await bed.drain(senders: 2)
        for candidate in candidates {
            #expect(try bed.mail(to: candidate.contact.email).count == 1)
            #expect(try bed.deliveries(of: candidate.id).map { "\($0.status)/\($0.attempts)" } == ["sent/1"])
        }
    }

    @Test func aSenderThatIsStoppingHandsBackWhatItClaimed() async throws {
        let bed = try await NotificationTestBed(port: 18208)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidates = (0..<3).map { _ in NotificationTestBed.candidate(language: "en", timeZone: "UTC") }
        #expect(await bed.handle(try candidates.map { try .of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }))
        let sender = DeliverySender(environment: bed.environment, settings: bed.settings, limiter: RateLimiter(perSecond: 1000))
        // SIGTERM arrives: the sender claims its batch, sends nothing more and gives the batch back.
        let attempted = try await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()
            return try await sender.drain()
        }
        #expect(attempted == 0)
        let leased = try bed.admin.query(
            "SELECT count(*)::int AS n FROM notifications.deliveries WHERE candidate_id = ANY($1::text[]) AND leased_until IS NOT NULL", [candidates.map(\.id)]
        )[0]
        #expect(try leased.decode("n", as: Int.self) == 0)
        try await bed.drain()  // another sender, at once: no lease to wait for
        for candidate in candidates { #expect(try bed.mail(to: candidate.contact.email).count == 1) }
    }

    /// A sender claims its next batch while it sends the current one. Stopping in the middle hands back
    /// both: the rest of the batch on the wire and the whole batch claimed ahead.
    @Test func aSenderStoppingMidBatchHandsBackTheRestAndTheBatchClaimedAhead() async throws {
        let bed = try await NotificationTestBed(port: 18212)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidates = (0..<(2 * DeliverySender.batchSize + 5)).map { _ in NotificationTestBed.candidate(language: "en", timeZone: "UTC") }
        #expect(await bed.handle(try candidates.map { try .of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }))
        let leased = {
            try bed.admin.query(
                "SELECT count(*)::int AS n FROM notifications.deliveries WHERE candidate_id = ANY($1::text[]) AND leased_until IS NOT NULL",
                [candidates.map(\.id)]
            )[0].decode("n", as: Int.self)
        }
        let sender = DeliverySender(environment: bed.environment, settings: bed.settings, limiter: RateLimiter(perSecond: 1000))
        try bed.sink.hold()
        let attempted = try await testGracefulShutdown { trigger in
            async let drained = sender.drain()
            // The first email waits on the server; meanwhile the next batch is claimed.
            #expect(try await eventually(timeout: .seconds(30), every: .milliseconds(20), { bed.sink.holding() }, until: { $0 == 1 }) == 1)
            #expect(try await eventually(timeout: .seconds(30), every: .milliseconds(20), leased, until: { $0 == 2 * DeliverySender.batchSize })
                == 2 * DeliverySender.batchSize, "two batches held")
            trigger.triggerGracefulShutdown()
            bed.sink.resume()
            return try await drained
        }
        #expect(attempted == 1, "the email on the wire is finished, nothing after it")
        #expect(try leased() == 0, "both batches handed back")
        let sent = try bed.admin.query(
            "SELECT count(*)::int AS n FROM notifications.deliveries WHERE candidate_id = ANY($1::text[]) AND status = 'sent'", [candidates.map(\.id)]
        )[0].decode("n", as: Int.self)
        #expect(sent == 1)
        try await bed.drain()  // another sender, at once: no lease to wait for
        for candidate in candidates { #expect(try bed.mail(to: candidate.contact.email).count == 1) }
    }

    @Test func aSenderWhoseLeaseWasTakenOverCannotMarkTheEmail() async throws {
        let bed = try await NotificationTestBed(port: 18205)
        let (candidate, other) = (NotificationTestBed.candidate(language: "en", timeZone: "UTC"), NotificationTestBed.candidate(language: "en", timeZone: "UTC"))
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        #expect(await bed.handle(try [candidate, other].map { try .of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }))
        let now = bed.environment.clock()
        let (first, second) = (now + DeliverySender.leaseLength, now + 2 * DeliverySender.leaseLength + 1)
        let database = bed.environment.database
        let claimedFirst = try await database.withConnection { try DeliveryStore(connection: $0).claim(now: now, lease: first, limit: 1000).emails }
        let mine = try #require(claimedFirst.first { $0.delivery.candidateId == candidate.id })
        // The first sender stalls past its lease; a second one takes the emails over.
        let takenOver = try await database.withConnection { try DeliveryStore(connection: $0).claim(now: first + 1, lease: second, limit: 1000).emails }
        let theirs = try #require(takenOver.first { $0.delivery.candidateId == other.id })
        #expect(takenOver.contains { $0.delivery.id == mine.delivery.id })
        // One group: the first sender's stale mark and the second sender's good one.
        let group = [DeliverySender.Outcome(claimed: mine, failure: nil, lease: first), DeliverySender.Outcome(claimed: theirs, failure: nil, lease: second)]
        let environment = bed.environment
        let lost = try await database.transaction { try DeliverySender.recordSent(group, store: DeliveryStore(connection: $0), now: now, environment: environment) }
        #expect(lost == [mine.delivery.id], "the first sender's mark is refused, the other one taken")
        let keptBySecond = try await database.withConnection { try DeliveryStore(connection: $0).renew([mine.delivery.id], lease: second, until: second + 1) }
        #expect(keptBySecond == [mine.delivery.id], "the second sender still holds it")
        #expect(try bed.deliveries(of: candidate.id).map(\.status) == ["queued"])
        #expect(try bed.deliveries(of: other.id).map(\.status) == ["sent"])
        let announced = try AdminDatabase().query(
            "SELECT count(*)::int AS n FROM notifications.outbox WHERE routing_key = 'notification.sent' AND body::jsonb #>> '{data,deliveryId}' = ANY($1::text[])",
            [group.map(\.claimed.delivery.id)]
        )[0].decode("n", as: Int.self)
        #expect(announced == 1, "only the email marked sent is announced")
    }

    @Test func whileTheMailServerIsDownEmailsWaitAndAllArriveWhenItReturns() async throws {
        let bed = try await NotificationTestBed(port: 18195, retryBase: 1)
        bed.sink.stop()
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidates = (0..<5).map { _ in NotificationTestBed.candidate(language: "en", timeZone: "UTC") }
        #expect(await bed.handle(try candidates.map { try .of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }))
        try await bed.drain()
        for candidate in candidates {
            let attempts = try bed.deliveries(of: candidate.id)
            #expect(attempts.map(\.status) == ["queued"])
            #expect(attempts.first?.attempts == 1)
            #expect(attempts.first?.error?.isEmpty == false, "the connection failure is recorded")
        }
        try bed.sink.start()
        bed.advance(by: 2)  // past the first back-off
        try await bed.drain()
        for candidate in candidates {
            #expect(try bed.mail(to: candidate.contact.email).count == 1)
            #expect(try bed.deliveries(of: candidate.id).map { "\($0.status)/\($0.attempts)" } == ["sent/2"])
        }
    }

    @Test func aRetryThatComesDueBehindASendersPositionIsStillSent() async throws {
        let bed = try await NotificationTestBed(port: 18207, retryBase: 1)
        let sender = DeliverySender(environment: bed.environment, settings: bed.settings, limiter: RateLimiter(perSecond: 1000))
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let (early, late) = (NotificationTestBed.candidate(language: "en", timeZone: "UTC"), NotificationTestBed.candidate(language: "en", timeZone: "UTC"))
        bed.sink.stop()
        #expect(await bed.handle([try .of(NotificationTestBed.confirmed(early, session: session), exchange: .events)]))
        try await sender.drain()
        #expect(try bed.deliveries(of: early.id).map { "\($0.status)/\($0.attempts)" } == ["queued/1"])
        try bed.sink.start()
        // A later email moves the sender's position past the one waiting for its retry.
        #expect(await bed.handle([try .of(NotificationTestBed.confirmed(late, session: session), exchange: .events)]))
        try await sender.drain()
        #expect(try bed.mail(to: late.contact.email).count == 1)
        bed.advance(by: 2)  // past the back-off
        try await sender.drain()
        #expect(try bed.mail(to: early.contact.email).count == 1)
        #expect(try bed.deliveries(of: early.id).map { "\($0.status)/\($0.attempts)" } == ["sent/2"])
    }

    @Test func aRefusedAddressFailsWithTheServersReasonAndOthersAreSent() async throws {
        let refused = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let fine = NotificationTestBed.candidate(language: "en", timeZone: "UTC")
        let bed = try await NotificationTestBed(port: 18196, rejecting: [refused.contact.email])
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        #expect(await bed.handle([
            try .of(NotificationTestBed.confirmed(refused, session: session), exchange: .events),
            try .of(NotificationTestBed.confirmed(fine, session: session), exchange: .events),
        ]))
        try await bed.drain()
        bed.advance(by: 3600)
        try await bed.drain()  // nothing left to retry: a permanent refusal is final
        let failed = try #require(try bed.deliveries(of: refused.id).first)
        #expect(failed.status == "failed")
        #expect(failed.attempts == 1)
        #expect(failed.error?.contains("550") == true, "\(failed.error ?? "")")
        #expect(try bed.deliveries(of: fine.id).map(\.status) == ["sent"])
        #expect(try bed.mail(to: fine.contact.email).count == 1)
        let events = try bed.admin.query(
            "SELECT routing_key FROM notifications.outbox WHERE body LIKE $1 AND routing_key LIKE 'notification.%'", ["%\(refused.id)%"]
        ).map { try $0.decode("routing_key", as: String.self) }
        #expect(events == ["notification.failed"])
    }

    @Test func anEmailWithoutAnAddressIsRecordedAsFailedNotLost() async throws {
        let bed = try await NotificationTestBed(port: 18197)
        let stranger = "cand-\(UUID().uuidString.prefix(8).lowercased())"
        #expect(await bed.handle([try .of(PaymentRequested(bookingId: UUID().uuidString.lowercased(), candidateExternalId: stranger, amount: 150, currency: "EUR", expiresAt: Date() + 1800), exchange: .outbound)]))
        let recorded = try bed.deliveries(of: stranger)
        #expect(recorded.map(\.status) == ["failed"])
        #expect(recorded.first?.error?.contains("no email address known") == true)
    }
}
