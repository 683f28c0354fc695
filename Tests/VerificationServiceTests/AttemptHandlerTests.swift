import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing
@testable import VerificationService

/// Attempts follow bookings and the delivery engine, through the production inbox processor.
@Suite(.serialized) struct AttemptHandlerTests {
    let environment: ServiceEnvironment
    let processor: InboxProcessor
    let admin: PGConnection
    /// A connection on the service's own schema, to read attempts as the service stores them.
    let own: PGConnection

    init() async throws {
        environment = try await ServiceHarness.environment(for: VerificationService.description)
        processor = ServiceHarness.processor(environment, components: VerificationService.components(environment), deliveryLimit: 3)
        admin = try TestStack.adminDatabase()
        own = try PGConnection.connect(url: try TestStack.databaseURL("verification"), schema: "verification", applicationName: "verification-tests")
    }

    func confirmed(authorizationId: String? = "auth-\(UUID().uuidString.prefix(6))", start: Date = Date() + 86_400) -> BookingConfirmed {
        let booking = BookingRef(
            bookingId: UUID().uuidString.lowercased(), sessionId: UUID().uuidString.lowercased(), candidateId: "cand-\(UUID().uuidString.prefix(6))",
            examCode: "CLOUD-101", authorizationId: authorizationId
        )
        let session = SessionSnapshot(
            sessionId: booking.sessionId, name: "Morning", examCodes: ["CLOUD-101"], locationId: "loc", locationName: "Paris", address: "1 rue",
            timeZone: "Europe/Paris", room: nil, deliveryPreference: "in-person", start: start, end: start + 7200, instructions: nil, additionalInstructions: nil
        )
        return BookingConfirmed(
            booking: booking, session: session, candidate: CandidateContact(name: "Ada", email: "ada@example.org", language: "en", timeZone: "UTC"),
            confirmedAt: Date(), actor: .candidate, fromWaitlist: false
        )
    }

    func attempt(_ bookingId: String) throws -> Attempt? {
        try AttemptStore(connection: own).find(UUID(uuidString: bookingId)!)
    }

    func published(_ type: String, _ bookingId: String) throws -> Int {
        try admin.query("SELECT count(*) AS n FROM verification.outbox WHERE routing_key = $1 AND body LIKE $2", [type, "%\(bookingId)%"])[0].decode("n")
    }

    @Test func aConfirmedBookingBecomesOneAttemptThatTheEngineStartsAndFinishes() async throws {
        let booking = confirmed()
        let id = booking.booking.bookingId
        #expect(await processor.handle([try .of(booking, exchange: .events), try .of(booking, exchange: .events)]) == .settled([.ack, .ack]))
        #expect(try attempt(id)?.status == .booked)
        #expect(try attempt(id)?.authorizationId == booking.booking.authorizationId)

        let started = Date()
        #expect(await processor.handle([try .of(DeliveryAttemptStarted(bookingId: id, startedAt: started))]) == .settled([.ack]))
        let finish = DeliveryAttemptFinished(bookingId: id, finishedAt: started + 3000, score: 82, maxScore: 100, passed: true)
        #expect(await processor.handle([try .of(finish), try .of(finish)]) == .settled([.ack, .ack]))
        let done = try #require(try attempt(id))
        #expect(done.status == .finished)
        #expect(done.score == 82)
        #expect(done.passed == true)
        #expect(try published("attempt.started", id) == 1)
        #expect(try published("attempt.finished", id) == 1)

        let different = DeliveryAttemptFinished(bookingId: id, finishedAt: started + 3100, score: 99, maxScore: 100, passed: true)
        guard case let .settled(outcomes) = await processor.handle([try .of(different)]), case let .deadLetter(reason) = outcomes.first else {
            Issue.record("a second, different result must be dead-lettered")
            return
        }
        #expect(reason.contains("already finished"))
        #expect(try attempt(id)?.score == 82)
    }

    @Test func aResultForAnUnknownBookingIsRetriedThenRejectedWithAReason() async throws {
        let unknown = UUID().uuidString.lowercased()
        let delivery = try Delivery.of(DeliveryAttemptFinished(bookingId: unknown, finishedAt: Date(), score: 1, maxScore: 2, passed: false))
        #expect(await processor.handle([delivery]) == .settled([.requeue]))
        var last = delivery
        last.properties.headers["x-delivery-count"] = .int(2)
        guard case let .settled(outcomes) = await processor.handle([last]), case let .deadLetter(reason) = outcomes.first else {
            Issue.record("past the delivery limit the result must be dead-lettered")
            return
        }
        #expect(reason == "unknown-booking: ExamHall has no booking \(unknown) to record an attempt for")
    }

    @Test func cancellationsTransfersAndSessionMovesFollowTheBooking() async throws {
        let booking = confirmed()
        let id = booking.booking.bookingId
        _ = await processor.handle([try .of(booking, exchange: .events)])
        var moved = booking.booking
        moved.sessionId = UUID().uuidString.lowercased()
        var snapshot = booking.session
        snapshot.sessionId = moved.sessionId
        snapshot.start = booking.session.start + 86_400
        snapshot.end = booking.session.end + 86_400
        let transfer = BookingTransferred(booking: moved, fromSessionId: booking.booking.sessionId, session: snapshot, candidate: booking.candidate, actor: .csr, transferredAt: Date())
        #expect(await processor.handle([try .of(transfer, exchange: .events)]) == .settled([.ack]))
        #expect(try attempt(id)?.sessionId == moved.sessionId)
        // Times travel as JSON with millisecond precision.
        #expect(abs(try #require(try attempt(id)?.sessionEnd).timeIntervalSince(snapshot.end)) < 0.001)

        let cancel = BookingCancelled(booking: moved, session: nil, candidate: nil, reason: "changed plans", actor: .candidate, cancelledAt: Date())
        #expect(await processor.handle([try .of(cancel, exchange: .events)]) == .settled([.ack]))
        #expect(try attempt(id)?.status == .cancelled)
        let start = DeliveryAttemptStarted(bookingId: id, startedAt: Date())
        guard case let .settled(outcomes) = await processor.handle([try .of(start)]), case .deadLetter = outcomes.first else {
            Issue.record("starting a cancelled attempt must be refused")
            return
        }
    }

    @Test func attemptsNeverStartedBecomeNoShowsAfterTheirSession() async throws {
        let past = confirmed(start: Date() - 5 * 3600)
        let future = confirmed(start: Date() + 3600)
        _ = await processor.handle([try .of(past, exchange: .events), try .of(future, exchange: .events)])
        while try await MarkNoShows.runOnce(environment) > 0 {}
        #expect(try attempt(past.booking.bookingId)?.status == .noShow)
        #expect(try attempt(future.booking.bookingId)?.status == .booked)
        let audit = try admin.query("SELECT action FROM verification.attempt_audit WHERE attempt_id = $1 ORDER BY id", [UUID(uuidString: past.booking.bookingId)!])
            .map { try $0.decode("action", as: String.self) }
        #expect(audit == ["booked", "no-show"])
    }
}
