@testable import AuthorizationsService
import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The owner's side of the booking saga: assign on `booking.confirmed`, release on cancellation,
/// refuse what is no longer Open, and never assign a booking whose cancellation came first.
@Suite(.serialized) struct BookingSagaHandlerTests {
    let environment: ServiceEnvironment
    let processor: InboxProcessor
    let admin: PGConnection

    init() async throws {
        environment = try await ServiceHarness.environment(for: AuthorizationsService.description)
        processor = ServiceHarness.processor(environment, components: AuthorizationsService.components(environment))
        admin = try TestStack.adminDatabase()
    }

    /// Opens an authorization; returns its id, candidate and exam.
    func open(exam: String = "CLOUD-101") async throws -> BookingRef {
        let purchase = Fixtures.purchase(examCode: exam)
        #expect(await processor.handle([try .of(purchase)]) == .settled([.ack]))
        let id: UUID = try admin.query("SELECT id FROM authorizations.authorizations WHERE purchase_id = $1", [purchase.purchaseId])[0].decode("id")
        return BookingRef(
            bookingId: UUID().uuidString.lowercased(), sessionId: UUID().uuidString.lowercased(),
            candidateId: purchase.candidate.externalId, examCode: exam, authorizationId: id.uuidString.lowercased()
        )
    }

    func confirmed(_ booking: BookingRef) -> BookingConfirmed {
        let session = SessionSnapshot(
            sessionId: booking.sessionId, name: "Morning", examCodes: [booking.examCode], locationId: "loc-1", locationName: "Paris",
            address: "1 rue", timeZone: "Europe/Paris", room: nil, deliveryPreference: "in-person", start: Date() + 86_400,
            end: Date() + 90_000, instructions: nil, additionalInstructions: nil
        )
        return BookingConfirmed(
            booking: booking, session: session, candidate: CandidateContact(name: "Ada", email: "ada@example.org", language: "en", timeZone: "UTC"),
            confirmedAt: Date(), actor: .candidate, fromWaitlist: false
        )
    }

    func cancelled(_ booking: BookingRef) -> BookingCancelled {
        BookingCancelled(booking: booking, session: nil, candidate: nil, reason: "changed plans", actor: .candidate, cancelledAt: Date())
    }

    func state(_ booking: BookingRef) throws -> (status: String, bookingId: String?, sessionId: String?) {
        let row = try admin.query("SELECT status, booking_id, session_id FROM authorizations.authorizations WHERE id = $1", [UUID(uuidString: booking.authorizationId!)!])[0]
        return (try row.decode("status"), try row.decode("booking_id"), try row.decode("session_id"))
    }

    func events(_ type: String, _ booking: BookingRef) throws -> [String] {
        try admin.query(
            "SELECT body FROM authorizations.outbox WHERE routing_key = $1 AND body::jsonb -> 'data' ->> 'bookingId' = $2", [type, booking.bookingId]
        ).map { try $0.decode("body") }
    }

    @Test func aConfirmedBookingAssignsOnceAndItsCancellationReleases() async throws {
        let booking = try await open()
        let confirmation = try Delivery.of(confirmed(booking), exchange: .events)
        #expect(await processor.handle([confirmation]) == .settled([.ack]))
        #expect(await processor.handle([try .of(confirmed(booking), exchange: .events)]) == .settled([.ack]))
        #expect(try state(booking) == ("assigned", booking.bookingId, booking.sessionId))
        #expect(try events("authorization.assigned", booking).count == 1)

        #expect(await processor.handle([try .of(cancelled(booking), exchange: .events)]) == .settled([.ack]))
        #expect(try state(booking).status == "open")
        #expect(try events("authorization.released", booking).count == 1)
    }

    @Test func anAuthorizationNoLongerOpenIsRefusedWithAReason() async throws {
        let first = try await open()
        _ = await processor.handle([try .of(confirmed(first), exchange: .events)])
        var second = first
        second.bookingId = UUID().uuidString.lowercased()
        #expect(await processor.handle([try .of(confirmed(second), exchange: .events)]) == .settled([.ack]))
        #expect(try state(first).bookingId == first.bookingId)
        let rejection = try #require(try events("authorization.assignment_rejected", second).first)
        let decoded = try EnvelopeDecoder.decode(AuthorizationAssignmentRejected.self, from: Array(rejection.utf8))
        #expect(decoded.data.status == .assigned)
        #expect(decoded.data.reason.contains("assigned"))

        var foreign = try await open()
        foreign.candidateId = "someone-else"
        _ = await processor.handle([try .of(confirmed(foreign), exchange: .events)])
        #expect(try events("authorization.assignment_rejected", foreign).count == 1)
        #expect(try state(foreign).status == "open")
    }

    @Test func aCancellationThatOvertakesItsConfirmationWins() async throws {
        let booking = try await open()
        #expect(await processor.handle([try .of(cancelled(booking), exchange: .events)]) == .settled([.ack]))
        #expect(await processor.handle([try .of(confirmed(booking), exchange: .events)]) == .settled([.ack]))
        #expect(try state(booking).status == "open")
        #expect(try events("authorization.assigned", booking).isEmpty)
    }

    @Test func aTransferKeepsTheAuthorizationConnected() async throws {
        let booking = try await open()
        _ = await processor.handle([try .of(confirmed(booking), exchange: .events)])
        var moved = booking
        moved.sessionId = UUID().uuidString.lowercased()
        let snapshot = confirmed(moved).session
        let transfer = BookingTransferred(
            booking: moved, fromSessionId: booking.sessionId, session: snapshot, candidate: confirmed(moved).candidate, actor: .csr, transferredAt: Date()
        )
        #expect(await processor.handle([try .of(transfer, exchange: .events)]) == .settled([.ack]))
        #expect(try state(booking) == ("assigned", booking.bookingId, moved.sessionId))
    }
}
