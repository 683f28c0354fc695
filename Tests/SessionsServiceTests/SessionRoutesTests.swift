import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SessionsService
import Testing

/// The sessions API and its handlers against the real database: what a CSR sets up and what a
/// candidate books, with every refusal's problem type.
@Suite(.serialized) struct SessionRoutesTests {
    let environment: ServiceEnvironment
    let components: ServiceComponents
    let processor: InboxProcessor
    let outbox: SessionsOutbox

    init() async throws {
        environment = try await ServiceHarness.environment(for: SessionsService.description)
        components = SessionsService.components(environment)
        processor = ServiceHarness.processor(environment, components: components)
        outbox = try SessionsOutbox()
    }

    func withAPI(_ body: @escaping @Sendable (SessionsTestClient) async throws -> Void) async throws {
        let application = ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
        try await application.test(.router) { client in try await body(SessionsTestClient(client: client, environment: environment)) }
    }

    /// Feeds an `authorization.opened` to the handlers, as the authorizations service would publish it.
    func openAuthorization(candidate: String, exam: String) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let event = AuthorizationOpened(
            ref: AuthorizationRef(authorizationId: id, purchaseId: "P-\(id)", candidateId: candidate, examCode: exam),
            validUntil: nil, candidate: Fixtures.candidate(candidate)
        )
        #expect(await processor.handle([try .of(event, exchange: .events)]) == .settled([.ack]))
        return id
    }

    func candidateId() -> String { "cand-\(UUID().uuidString.prefix(8).lowercased())" }

    @Test func aCandidateBooksAFreeSessionAndIsToldWithTheInstructions() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let session = try await api.publicSession(exam: exam)
            let candidate = candidateId()
            let reply = try await api.book(session, candidate: candidate)
            #expect(reply.status == .created)
            let booking = try reply.decode(BookingView.self)
            #expect(booking.status == .confirmed)
            #expect(booking.candidateId == candidate)
            #expect(booking.examCode == exam)

            let confirmed = try outbox.events("booking.confirmed", mentioning: booking.id)
            #expect(confirmed.count == 1)
            let sessionData = confirmed.first?["session"] as? [String: Any]
            #expect(sessionData?["instructions"] as? String == "Bring your ID")
            #expect(sessionData?["timeZone"] as? String == "Europe/Paris")
            #expect((confirmed.first?["candidate"] as? [String: Any])?["email"] as? String == "\(candidate)@example.org")
            #expect((confirmed.first?["candidate"] as? [String: Any])?["language"] as? String == "fr")

            let again = try await api.book(session, candidate: candidate)
            #expect(again.status == .conflict)
            #expect(again.problem == "already-booked")
            #expect(try await api.session(session).occupancy?.seatsBooked == 1)
        }
    }

    @Test func settingsThatOnlyPublicSessionsHaveAreRefusedOnPrivateOnes() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let location = try await api.location()
            let start = Timestamp.format(Date().addingTimeInterval(86_400))
            let end = Timestamp.format(Date().addingTimeInterval(90_000))
            let reply = try await api.call(.post, "/sessions", as: try await api.csr(), json: """
                {"locationId":"\(location)","name":"Private","examCodes":["\(exam)"],"selfEnrollment":false,"privateKind":"individual",
                 "availability":{"start":"\(start)","end":"\(end)"},"capacity":5,"authorizationRequired":true}
                """)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.problem == "validation-failed")
            let fields = (reply.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["capacity", "authorizationRequired"])

            let unknown = try await api.call(.post, "/sessions", as: try await api.csr(), json: """
                {"locationId":"\(UUID().uuidString)","name":"X","examCodes":["NOPE-1"],"selfEnrollment":true,"capacity":3,
                 "availability":{"start":"\(start)","end":"\(end)"}}
                """)
            #expect(unknown.status == .unprocessableContent)
            #expect(String(decoding: unknown.body, as: UTF8.self).contains("NOPE-1 is not in the exam catalog"))

            let byCandidate = try await api.call(.post, "/sessions", as: try await api.candidate("c"), json: "{}")
            #expect(byCandidate.status == .forbidden)
        }
    }

    /// PostgreSQL text cannot hold NUL, and libpq would cut it off without a word: refused, wherever it comes.
    @Test func textWithANULCharacterIsRefusedAsInvalidText() async throws {
        try await withAPI { api in
            let csr = try await api.csr()
            let created = try await api.call(.post, "/locations", as: csr, json: #"{"name":"Paris\u0000Centre","address":"1 rue de Rivoli","timeZone":"Europe/Paris"}"#)
            #expect(created.status == .unprocessableContent)
            #expect(created.problem == "invalid-text")

            let session = try await api.publicSession(exam: try await api.exam())
            let patched = try await api.call(.patch, "/sessions/\(session)", as: csr, json: #"{"instructions":"Bring\u0000 your ID"}"#)
            #expect(patched.status == .unprocessableContent)
            #expect(patched.problem == "invalid-text")
            #expect(try await api.session(session).instructions == "Bring your ID")

            let listed = try await api.call(.get, "/sessions?examCode=A%00B", as: csr)
            #expect(listed.status == .unprocessableContent)
            #expect(listed.problem == "invalid-text")

            // A backslash before "u0000" is ordinary text and kept as written.
            let literal = try await api.call(.post, "/locations", as: csr, json: #"{"name":"Room \\u0000","address":"1 rue de Rivoli","timeZone":"Europe/Paris"}"#)
            #expect(literal.status == .created)
            #expect(literal.json["name"] as? String == "Room \\u0000")
        }
    }

    @Test func aFullSessionHasAWaitlistThatMovesUpInOrder() async throws {
        try await withAPI { api in
            let session = try await api.publicSession(exam: try await api.exam(), capacity: 1)
            let (first, second, third) = (candidateId(), candidateId(), candidateId())
            let seat = try await api.book(session, candidate: first).decode(BookingView.self)
            let full = try await api.book(session, candidate: second)
            #expect(full.status == .conflict)
            #expect(full.problem == "session-full")
            let waitingSecond = try await api.book(session, candidate: second, json: #"{"waitlist":true}"#).decode(BookingView.self)
            let waitingThird = try await api.book(session, candidate: third, json: #"{"waitlist":true}"#).decode(BookingView.self)
            #expect(waitingSecond.status == .waitlisted)
            let joined = try outbox.events("booking.waitlisted", mentioning: waitingSecond.id)
            #expect(joined.count == 1, "the candidate is told they are in line")
            #expect((joined.first?["candidate"] as? [String: Any])?["email"] != nil)
            let twice = try await api.book(session, candidate: third, json: #"{"waitlist":true}"#)
            #expect(twice.problem == "already-waitlisted")
            #expect(try await api.session(session).occupancy?.waitlistLength == 2)

            let cancelled = try await api.call(.post, "/bookings/\(seat.id)/cancel", as: try await api.candidate(first))
            #expect(cancelled.status == .ok)
            #expect(try await api.booking(waitingSecond.id).status == .confirmed)
            #expect(try await api.booking(waitingThird.id).status == .waitlisted)
            let promoted = try outbox.events("booking.confirmed", mentioning: waitingSecond.id)
            #expect(promoted.first?["fromWaitlist"] as? Bool == true)

            // Leaving the waitlist is always possible; raising capacity moves the line up.
            #expect(try await api.call(.patch, "/sessions/\(session)", as: try await api.csr(), json: #"{"capacity":2}"#).status == .ok)
            #expect(try await api.booking(waitingThird.id).status == .confirmed)
            let occupancy = try await api.session(session).occupancy
            #expect(occupancy?.seatsBooked == 2)
            #expect(occupancy?.waitlistLength == 0)
            #expect(occupancy?.seatsLeft == 0)
        }
    }

    @Test func aBatchAskingForMoreSeatsThanAreLeftSeatsExactlyAsManyAsFit() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let sessionId = try #require(UUID(uuidString: try await api.publicSession(exam: exam, capacity: 2)))
            let candidates = (0..<3).map { _ in candidateId() }
            let commands = candidates.map { candidate in
                BookingWorkflow.BookCommand(
                    sessionId: sessionId, requester: .candidate(id: candidate), candidateId: candidate, examCode: exam, authorizationId: nil,
                    joinWaitlistWhenFull: false,
                    contact: CandidateContact(name: "Ada \(candidate)", email: "\(candidate)@example.org", language: "en", timeZone: "Europe/Paris")
                )
            }
            let now = Date()
            let source = environment.source

            // Three seats asked of a session with two: the statement takes none, and writes nothing but
            // contacts. (Rolled back: what is looked at here is the statement alone.)
            struct Undo: Error { let placements: [BookingStore.Placement]; let seats: Int; let written: Int }
            var undone: Undo?
            do {
                try await environment.database.transaction { connection in
                    let workflow = BookingWorkflow(
                        connection: connection, outbox: OutboxWriter(source: source, correlationId: nil, causationId: nil, now: now), now: now,
                        paymentWindow: .seconds(1800)
                    )
                    let proposals = try workflow.plan(commands).map { try #require(try workflow.proposal(for: try $0.get())) }
                    throw Undo(
                        placements: try BookingWorkflow.place(proposals, on: connection, at: now),
                        seats: try connection.query("SELECT seats_taken FROM sessions WHERE id = $1", [sessionId])[0].decode("seats_taken"),
                        written: try connection.query("SELECT count(*)::int AS n FROM bookings WHERE session_id = $1", [sessionId])[0].decode("n")
                    )
                }
            } catch let undo as Undo {
                undone = undo
            }
            let placements = try #require(undone).placements
            #expect(undone?.seats == 0)
            #expect(undone?.written == 0)
            #expect(placements == [.noSeat, .noSeat, .noSeat])

            // The same batch as the service runs it: the first two in line get the seats on the slow path.
            let results = try await environment.database.transaction { connection in
                try BookingBatcher.bookTogether(commands.map { ($0, nil) }, on: connection, source: source, now: now, paymentWindow: .seconds(1800))
            }
            #expect(try results[0].get().status == .confirmed)
            #expect(try results[1].get().status == .confirmed)
            #expect(throws: BookingRefusal.sessionFull) { try results[2].get() }
            #expect(try await api.session(sessionId.uuidString.lowercased()).occupancy?.seatsBooked == 2)
            for (candidate, expected) in zip(candidates, [1, 1, 0]) {
                #expect(try outbox.events("booking.confirmed", mentioning: candidate).count == expected)
            }
        }
    }

    @Test func authorizationRequiredSessionsUseTheProjectionAndClaimTheAuthorization() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let session = try await api.publicSession(exam: exam, authorizationRequired: true)
            let candidate = candidateId()
            let refused = try await api.book(session, candidate: candidate)
            #expect(refused.status == .conflict)
            #expect(refused.problem == "authorization-required")

            let authorizationId = try await openAuthorization(candidate: candidate, exam: exam)
            let booking = try await api.book(session, candidate: candidate).decode(BookingView.self)
            #expect(booking.status == .confirmed)
            #expect(booking.authorizationId == authorizationId)
            let event = try outbox.events("booking.confirmed", mentioning: booking.id).first
            #expect((event?["booking"] as? [String: Any])?["authorizationId"] as? String == authorizationId)

            // Cancelling before the deadline frees the seat and gives the authorization back.
            #expect(try await api.call(.post, "/bookings/\(booking.id)/cancel", as: try await api.candidate(candidate)).status == .ok)
            let again = try await api.book(session, candidate: candidate).decode(BookingView.self)
            #expect(again.authorizationId == authorizationId)
        }
    }

    @Test func aPaidSessionHoldsTheSeatUntilPaymentOrExpiry() async throws {
        try await withAPI { api in
            let session = try await api.publicSession(exam: try await api.exam(), capacity: 1, price: #"{"amount":120,"currency":"EUR"}"#)
            let (payer, late) = (candidateId(), candidateId())
            let held = try await api.book(session, candidate: payer).decode(BookingView.self)
            #expect(held.status == .awaitingPayment)
            #expect(held.paymentExpiresAt != nil)
            #expect(try outbox.exchange(of: "payment.requested", mentioning: held.id) == ["examhall.outbound"])
            #expect(try await api.book(session, candidate: late).problem == "session-full")

            // Wrong amount: dead-lettered with a reason, the seat stays held.
            let wrong = PaymentCompleted(paymentId: "PAY-\(UUID())", bookingId: held.id, amount: 12, currency: "EUR")
            guard case let .settled(outcomes) = await processor.handle([try .of(wrong)]), case let .deadLetter(reason) = outcomes.first else {
                Issue.record("a wrong amount must be dead-lettered")
                return
            }
            #expect(reason.contains("the session costs 120 EUR"))
            let paid = PaymentCompleted(paymentId: "PAY-\(UUID())", bookingId: held.id, amount: 120, currency: "EUR")
            #expect(await processor.handle([try .of(paid)]) == .settled([.ack]))
            #expect(try await api.booking(held.id).status == .confirmed)
            #expect(try outbox.events("booking.confirmed", mentioning: held.id).count == 1)
        }
    }

    @Test func anUnpaidHoldExpiresAndTheSeatGoesToTheWaitlist() async throws {
        try await withAPI { api in
            let session = try await api.publicSession(exam: try await api.exam(), capacity: 1, price: #"{"amount":50,"currency":"EUR"}"#)
            let (payer, waiting) = (candidateId(), candidateId())
            let held = try await api.book(session, candidate: payer).decode(BookingView.self)
            let queued = try await api.book(session, candidate: waiting, json: #"{"waitlist":true}"#).decode(BookingView.self)
            #expect(queued.status == .waitlisted)

            let later = try await ServiceHarness.environment(for: SessionsService.description, clock: { Date().addingTimeInterval(3600) })
            #expect(try await ExpireHeldSeats.runOnce(later) >= 1)
            #expect(try await api.booking(held.id).status == .expired)
            #expect(try outbox.events("booking.expired", mentioning: held.id).count == 1)
            // The next in line gets the seat, held for their own payment.
            #expect(try await api.booking(queued.id).status == .awaitingPayment)
            #expect(try outbox.events("payment.requested", mentioning: queued.id).count == 1)

            let tooLate = PaymentCompleted(paymentId: "PAY-\(UUID())", bookingId: held.id, amount: 50, currency: "EUR")
            guard case let .settled(outcomes) = await processor.handle([try .of(tooLate)]), case let .deadLetter(reason) = outcomes.first else {
                Issue.record("a late payment must be dead-lettered for a refund")
                return
            }
            #expect(reason.contains("is expired"))
        }
    }

    @Test func candidatesSeeAndChangeOnlyTheirOwnBookings() async throws {
        try await withAPI { api in
            let session = try await api.publicSession(exam: try await api.exam())
            let (owner, other) = (candidateId(), candidateId())
            let booking = try await api.book(session, candidate: owner).decode(BookingView.self)
            let peek = try await api.call(.get, "/bookings/\(booking.id)", as: try await api.candidate(other))
            #expect(peek.status == .notFound)
            let cancel = try await api.call(.post, "/bookings/\(booking.id)/cancel", as: try await api.candidate(other))
            #expect(cancel.status == .notFound)
            let list = try await api.call(.get, "/bookings", as: try await api.candidate(other)).decode(Page<BookingView>.self)
            #expect(list.items.isEmpty)
            let own = try await api.call(.get, "/bookings", as: try await api.candidate(owner)).decode(Page<BookingView>.self)
            #expect(own.items.map(\.id) == [booking.id])
            let forOther = try await api.call(.post, "/sessions/\(session)/bookings", as: try await api.candidate(other), json: #"{"candidateId":"\#(owner)"}"#)
            #expect(forOther.status == .forbidden)
        }
    }

    @Test func afterTheCancellationDeadlineOnlyACSRCancels() async throws {
        try await withAPI { api in
            // Starts in 30 hours: the deadline (a day before) is 6 hours away.
            let session = try await api.publicSession(exam: try await api.exam(), start: Date().addingTimeInterval(30 * 3600))
            let candidate = candidateId()
            let booking = try await api.book(session, candidate: candidate).decode(BookingView.self)
            let later = try await ServiceHarness.environment(for: SessionsService.description, clock: { Date().addingTimeInterval(8 * 3600) })
            let lateApplication = ServiceRunner.makeApplication(environment: later, components: SessionsService.components(later), checks: [])
            try await lateApplication.test(.router) { client in
                let lateApi = SessionsTestClient(client: client, environment: later)
                let refused = try await lateApi.call(.post, "/bookings/\(booking.id)/cancel", as: try await lateApi.candidate(candidate))
                #expect(refused.status == .conflict)
                #expect(refused.problem == "cancellation-deadline-passed")
                let late = try await lateApi.book(session, candidate: candidateId())
                #expect(late.problem == "booking-deadline-passed")
                let byStaff = try await lateApi.call(.post, "/bookings/\(booking.id)/cancel", as: try await lateApi.csr(), json: #"{"reason":"illness"}"#)
                #expect(byStaff.status == .ok)
                #expect(try byStaff.decode(BookingView.self).status == .cancelled)
            }
            let cancelled = try outbox.events("booking.cancelled", mentioning: booking.id)
            #expect(cancelled.first?["reason"] as? String == "illness")
            #expect(cancelled.first?["actor"] as? String == "csr")
        }
    }

    @Test func transfersMoveTheSeatAndKeepTheAuthorization() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let from = try await api.publicSession(exam: exam, authorizationRequired: true)
            let to = try await api.publicSession(exam: exam, capacity: 1, authorizationRequired: true)
            let candidate = candidateId()
            let authorizationId = try await openAuthorization(candidate: candidate, exam: exam)
            let booking = try await api.book(from, candidate: candidate).decode(BookingView.self)

            let moved = try await api.call(.post, "/bookings/\(booking.id)/transfer", as: try await api.csr(), json: #"{"sessionId":"\#(to)"}"#)
            #expect(moved.status == .ok, "\(moved.problem ?? "")")
            let view = try moved.decode(BookingView.self)
            #expect(view.sessionId == to)
            #expect(view.authorizationId == authorizationId)
            #expect(try await api.session(from).occupancy?.seatsBooked == 0)
            #expect(try await api.session(to).occupancy?.seatsBooked == 1)
            let event = try outbox.events("booking.transferred", mentioning: booking.id).first
            #expect(event?["fromSessionId"] as? String == from)

            // The candidate reschedules back themself; the full session refuses a second transfer in.
            let back = try await api.call(.post, "/bookings/\(booking.id)/transfer", as: try await api.candidate(candidate), json: #"{"sessionId":"\#(from)"}"#)
            #expect(back.status == .ok, "\(back.problem ?? "")")
            let other = candidateId()
            _ = try await openAuthorization(candidate: other, exam: exam)
            _ = try await api.book(to, candidate: other)
            let into = try await api.call(.post, "/bookings/\(booking.id)/transfer", as: try await api.csr(), json: #"{"sessionId":"\#(to)"}"#)
            #expect(into.problem == "session-full")
        }
    }

    @Test func aCSRAssignsOpenAuthorizationsToAPrivateCommonSession() async throws {
        try await withAPI { api in
            let (cloud, data) = (try await api.exam(), try await api.exam())
            let session = try await api.privateSession(kind: .common, exams: [cloud], price: #"{"amount":200,"currency":"EUR"}"#)
            let (first, second) = (candidateId(), candidateId())
            let cloudAuthorization = try await openAuthorization(candidate: first, exam: cloud)
            let dataAuthorization = try await openAuthorization(candidate: second, exam: data)
            let csr = try await api.csr()
            for (candidate, authorization, exam) in [(first, cloudAuthorization, cloud), (second, dataAuthorization, data)] {
                let reply = try await api.call(.post, "/sessions/\(session)/bookings", as: csr, json: #"{"authorizationId":"\#(authorization)"}"#)
                #expect(reply.status == .created, "\(String(decoding: reply.body, as: UTF8.self))")
                let booking = try reply.decode(BookingView.self)
                #expect(booking.candidateId == candidate)
                #expect(booking.examCode == exam)
                #expect(booking.authorizationId == authorization)
            }
            // Used once, an authorization is no longer Open.
            let reuse = try await api.call(.post, "/sessions/\(session)/bookings", as: csr, json: #"{"authorizationId":"\#(cloudAuthorization)"}"#)
            #expect(reuse.problem == "authorization-not-open")
            // Candidates cannot book private sessions; a paid private session takes no one without an authorization.
            #expect(try await api.book(session, candidate: candidateId()).problem == "session-private")
            let unpaid = try await api.call(.post, "/sessions/\(session)/bookings", as: csr, json: #"{"candidateId":"\#(first)","examCode":"\#(data)"}"#)
            #expect(unpaid.problem == "session-not-free")

            let individual = try await api.privateSession(kind: .individual, exams: [cloud])
            let third = candidateId()
            let wrongExam = try await openAuthorization(candidate: third, exam: data)
            let mismatch = try await api.call(.post, "/sessions/\(individual)/bookings", as: csr, json: #"{"authorizationId":"\#(wrongExam)"}"#)
            #expect(mismatch.problem == "exam-mismatch")
        }
    }

    @Test func theOwnersRejectionCancelsTheBookingAndFreesTheSeat() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let session = try await api.publicSession(exam: exam, capacity: 1, authorizationRequired: true)
            let candidate = candidateId()
            let authorizationId = try await openAuthorization(candidate: candidate, exam: exam)
            let booking = try await api.book(session, candidate: candidate).decode(BookingView.self)
            let rejection = AuthorizationAssignmentRejected(
                authorizationId: authorizationId, candidateId: candidate, examCode: exam, bookingId: booking.id, sessionId: session,
                reason: "the authorization is inactive", status: .inactive
            )
            #expect(await processor.handle([try .of(rejection, exchange: .events)]) == .settled([.ack]))
            let rejected = try await api.booking(booking.id)
            #expect(rejected.status == .rejected)
            #expect(try await api.session(session).occupancy?.seatsLeft == 1)
            let told = try outbox.events("booking.rejected", mentioning: booking.id)
            #expect(told.count == 1)
            #expect((told.first?["candidate"] as? [String: Any])?["email"] as? String != nil)
            // The projection now knows the authorization is gone.
            #expect(try await api.book(session, candidate: candidate).problem == "authorization-required")
        }
    }

    @Test func aRefundCancelsTheBookingThatUsedTheAuthorization() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let session = try await api.publicSession(exam: exam, authorizationRequired: true)
            let candidate = candidateId()
            let authorizationId = try await openAuthorization(candidate: candidate, exam: exam)
            let booking = try await api.book(session, candidate: candidate).decode(BookingView.self)
            let refunded = AuthorizationInactivated(
                ref: AuthorizationRef(authorizationId: authorizationId, purchaseId: "P-\(authorizationId)", candidateId: candidate, examCode: exam),
                reason: .refunded, detail: "refunded", previousStatus: .assigned, bookingId: booking.id
            )
            #expect(await processor.handle([try .of(refunded, exchange: .events)]) == .settled([.ack]))
            #expect(try await api.booking(booking.id).status == .cancelled)
            #expect(try outbox.events("booking.cancelled", mentioning: booking.id).first?["reason"] as? String == "authorization refunded")
        }
    }

    @Test func cancellingASessionCancelsEveryBooking() async throws {
        try await withAPI { api in
            let session = try await api.publicSession(exam: try await api.exam(), capacity: 1)
            let seat = try await api.book(session, candidate: candidateId()).decode(BookingView.self)
            let waiting = try await api.book(session, candidate: candidateId(), json: #"{"waitlist":true}"#).decode(BookingView.self)
            let reply = try await api.call(.post, "/sessions/\(session)/cancel", as: try await api.csr(), json: #"{"reason":"room flooded"}"#)
            #expect(reply.status == .ok)
            #expect(try await api.booking(seat.id).status == .cancelled)
            #expect(try await api.booking(waiting.id).status == .cancelled)
            #expect(try outbox.events("session.cancelled", mentioning: session).first?["reason"] as? String == "room flooded")
            #expect(try outbox.events("booking.cancelled", mentioning: seat.id).count == 1)
            let again = try await api.call(.post, "/sessions/\(session)/cancel", as: try await api.csr())
            #expect(again.problem == "session-cancelled")
            #expect(try await api.book(session, candidate: candidateId()).problem == "session-cancelled")
        }
    }

    @Test func movingABookedSessionTellsItsCandidates() async throws {
        try await withAPI { api in
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 5 * 86_400).rounded())
            let session = try await api.publicSession(exam: try await api.exam(), capacity: 3, start: start)
            _ = try await api.book(session, candidate: candidateId())
            _ = try await api.book(session, candidate: candidateId())
            let newStart = start + 3600
            let moved = try await api.call(.patch, "/sessions/\(session)", as: try await api.csr(), json: """
                {"availability":{"start":"\(Timestamp.format(newStart))","end":"\(Timestamp.format(newStart + 7200))"},"room":null}
                """)
            #expect(moved.status == .ok, "\(String(decoding: moved.body, as: UTF8.self))")
            let view = try moved.decode(SessionView.self)
            #expect(view.room == nil)
            #expect(view.availability.start == newStart)
            let updated = try outbox.events("session.updated", mentioning: session)
            #expect(updated.count == 1)
            #expect(updated.first?["previousStart"] as? String == Timestamp.format(start))
            #expect(Set(updated.first?["changedFields"] as? [String] ?? []) == ["availability", "room"])

            let shrink = try await api.call(.patch, "/sessions/\(session)", as: try await api.csr(), json: #"{"capacity":1}"#)
            #expect(shrink.problem == "capacity-below-bookings")
            let otherExam = try await api.call(.patch, "/sessions/\(session)", as: try await api.csr(), json: #"{"examCodes":["\#(try await api.exam())"]}"#)
            #expect(otherExam.problem == "session-has-bookings")
        }
    }

    @Test func proctorsAreNeverOnTwoOverlappingSessionsAndTheCalendarShowsStaffing() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let start = Date().addingTimeInterval(10 * 86_400)
            let location = try await api.location(timeZone: "America/New_York")
            let morning = try await api.publicSession(exam: exam, capacity: 40, start: start, location: location)
            let overlapping = try await api.publicSession(exam: exam, start: start + 3600, location: location)
            let afterwards = try await api.publicSession(exam: exam, start: start + 7200, location: location)
            let csr = try await api.csr()
            let proctor = try await api.call(.post, "/proctors", as: csr, json: #"{"name":"Pat Proctor","email":"pat-\#(UUID().uuidString.prefix(6))@example.org"}"#)
            #expect(proctor.status == .created)
            let proctorId = try #require(proctor.json["id"] as? String)

            #expect(try await api.call(.put, "/sessions/\(morning)/proctors/\(proctorId)", as: csr).status == .ok)
            let clash = try await api.call(.put, "/sessions/\(overlapping)/proctors/\(proctorId)", as: csr)
            #expect(clash.status == .conflict)
            #expect(clash.problem == "proctor-overlap")
            #expect((clash.json["detail"] as? String)?.contains(morning) == true)
            // Back to back is not an overlap.
            #expect(try await api.call(.put, "/sessions/\(afterwards)/proctors/\(proctorId)", as: csr).status == .ok)

            for _ in 0..<17 { _ = try await api.book(morning, candidate: candidateId()) }
            let from = Timestamp.format(start - 3600), to = Timestamp.format(start + 86_400)
            let calendar = try await api.call(.get, "/calendar?from=\(from)&to=\(to)&locationId=\(location)", as: csr).decode(CalendarView.self)
            let entry = try #require(calendar.sessions.first { $0.sessionId == morning })
            #expect(entry.occupancy.seatsBooked == 17)
            #expect(entry.occupancy.seatsLeft == 23)
            #expect(entry.occupancy.proctorsRequired == 2)
            #expect(entry.occupancy.proctorsAssigned == 1)
            #expect(entry.occupancy.understaffed)
            #expect(entry.time.timeZone == "America/New_York")
            #expect(entry.time.localStart == LocalTime.format(start, timeZone: "America/New_York"))
            #expect(calendar.sessions.map(\.sessionId) == [morning, overlapping, afterwards])
            #expect(calendar.understaffed == 1)

            // Off the morning session, the proctor still collides with the afternoon one.
            #expect(try await api.call(.delete, "/sessions/\(morning)/proctors/\(proctorId)", as: csr).status == .ok)
            let stillBusy = try await api.call(.put, "/sessions/\(overlapping)/proctors/\(proctorId)", as: csr)
            #expect(stillBusy.problem == "proctor-overlap")
            #expect((stillBusy.json["detail"] as? String)?.contains(afterwards) == true)
            #expect(try await api.call(.delete, "/sessions/\(afterwards)/proctors/\(proctorId)", as: csr).status == .ok)
            #expect(try await api.call(.put, "/sessions/\(overlapping)/proctors/\(proctorId)", as: csr).status == .ok)
            let candidateCalendar = try await api.call(.get, "/calendar", as: try await api.candidate("c"))
            #expect(candidateCalendar.status == .forbidden)
        }
    }

    @Test func sessionsAreFilteredByEnrollmentAndStatusInPagesWithTheirTotal() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let csr = try await api.csr()
            let location = try await api.location()
            let start = Date().addingTimeInterval(30 * 86_400)
            let first = try await api.publicSession(exam: exam, start: start, location: location)
            let second = try await api.publicSession(exam: exam, start: start + 3600, location: location)
            let cancelled = try await api.publicSession(exam: exam, start: start + 7200, location: location)
            #expect(try await api.call(.post, "/sessions/\(cancelled)/cancel", as: csr, json: "{}").status == .ok)
            let common = try await api.call(.post, "/sessions", as: csr, json: """
                {"locationId":"\(location)","name":"Common","examCodes":["\(exam)"],"selfEnrollment":false,"privateKind":"common",
                 "availability":{"start":"\(Timestamp.format(start + 10_800))","end":"\(Timestamp.format(start + 14_400))"}}
                """)
            let commonId = try #require(common.json["id"] as? String)
            func ids(_ query: String, as token: String? = nil) async throws -> (ids: [String], total: Int?) {
                let reply = try await api.call(.get, "/sessions?locationId=\(location)&\(query)", as: token ?? csr)
                #expect(reply.status == .ok, "\(query): \(String(decoding: reply.body, as: UTF8.self))")
                return ((reply.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }, reply.json["total"] as? Int)
            }
            #expect(try await ids("limit=10").ids == [first, second, cancelled, commonId])
            let page = try await ids("limit=2&offset=1")
            #expect(page.ids == [second, cancelled] && page.total == 4, "a page of two, and the total")
            #expect(try await ids("order=newest&limit=1").ids == [commonId])
            #expect(try await ids("enrollment=public&status=scheduled").ids == [first, second])
            #expect(try await ids("enrollment=private-common").ids == [commonId])
            #expect(try await ids("enrollment=private-individual").ids.isEmpty)
            #expect(try await ids("status=cancelled").ids == [cancelled])
            // A candidate sees public, scheduled sessions, whatever they ask for.
            let asCandidate = try await ids("enrollment=private-common", as: try await api.candidate("c"))
            #expect(asCandidate.ids == [first, second] && asCandidate.total == 2)
            #expect(try await api.call(.get, "/sessions?enrollment=secret", as: csr).status == .badRequest)
            #expect(try await api.call(.get, "/sessions?limit=1001", as: csr).status == .badRequest)
        }
    }

    @Test func everyChangeToABookingOrASessionHasAHistoryLine() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let csr = try await api.csr()
            let session = try await api.publicSession(exam: exam, capacity: 10)
            let other = try await api.publicSession(exam: exam, capacity: 10)
            func lines(_ path: String) async throws -> [[String: Any]] {
                let reply = try await api.call(.get, path, as: csr)
                #expect(reply.status == .ok, "\(path): \(String(decoding: reply.body, as: UTF8.self))")
                return reply.json["items"] as? [[String: Any]] ?? []
            }
            #expect(try await api.call(.patch, "/sessions/\(session)", as: csr, json: #"{"name":"Renamed","capacity":12}"#).status == .ok)
            let booking = try #require(try await api.book(session, candidate: "hist-\(UUID().uuidString.prefix(6))").json["id"] as? String)
            #expect(try await api.call(.post, "/bookings/\(booking)/transfer", as: csr, json: #"{"sessionId":"\#(other)"}"#).status == .ok)
            #expect(try await api.call(.post, "/bookings/\(booking)/cancel", as: csr, json: #"{"reason":"asked by phone"}"#).status == .ok)
            #expect(try await api.call(.post, "/sessions/\(session)/cancel", as: csr, json: #"{"reason":"room flooded"}"#).status == .ok)

            let sessionLines = try await lines("/sessions/\(session)/history")
            #expect(sessionLines.compactMap { $0["change"] as? String } == ["created", "changed", "cancelled"])
            #expect(sessionLines.allSatisfy { $0["actor"] as? String == "csr:csr-1" })
            let change = sessionLines[1]
            #expect((change["before"] as? [String: Any])?["name"] as? String == "Morning \(exam)")
            #expect((change["after"] as? [String: Any])?["name"] as? String == "Renamed")
            #expect((change["after"] as? [String: Any])?["capacity"] as? Int == 12)
            #expect((change["after"] as? [String: Any])?.keys.sorted() == ["capacity", "name"], "only what changed")
            #expect((sessionLines[2]["after"] as? [String: Any])?["reason"] as? String == "room flooded")

            let bookingLines = try await lines("/bookings/\(booking)/history")
            #expect(bookingLines.compactMap { $0["change"] as? String } == ["created", "moved", "cancelled"])
            #expect((bookingLines[0]["actor"] as? String)?.hasPrefix("candidate:") == true)
            #expect(bookingLines[1]["actor"] as? String == "csr:csr-1")
            #expect((bookingLines[1]["before"] as? [String: Any])?["sessionId"] as? String == session)
            #expect((bookingLines[1]["after"] as? [String: Any])?["sessionId"] as? String == other)
            #expect((bookingLines[2]["after"] as? [String: Any])?["status"] as? String == "cancelled")
            #expect((bookingLines[2]["after"] as? [String: Any])?["endReason"] as? String == "asked by phone")

            let added = try #require(try await api.call(.post, "/sessions/\(other)/bookings", as: csr, json: """
                {"candidateId":"hist-\(UUID().uuidString.prefix(6))","candidate":{"name":"Ada","email":"ada@example.org","language":"en","timeZone":"Europe/Paris"}}
                """).json["id"] as? String)
            #expect(try await lines("/bookings/\(added)/history").first?["actor"] as? String == "csr:csr-1", "a booking a CSR made names them")

            let inOther = try await api.call(.get, "/bookings?sessionId=\(other)&limit=1", as: csr)
            #expect(inOther.json["total"] as? Int == 2 && inOther.json["limit"] as? Int == 1)
            #expect(try await api.call(.get, "/bookings/\(booking)/history", as: try await api.candidate("c")).status == .forbidden)
            #expect(try await api.call(.get, "/sessions/\(UUID())/history", as: csr).status == .notFound)
        }
    }

    @Test func aCSRFindsCandidatesByNameEmailOrIdInPages() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let session = try await api.publicSession(exam: exam, capacity: 10)
            let tag = UUID().uuidString.prefix(8).lowercased()
            for index in 0..<3 { #expect(try await api.book(session, candidate: "find-\(tag)-\(index)").status == .created) }
            let csr = try await api.csr()
            let byId = try await api.call(.get, "/candidates?query=find-\(tag)&limit=2", as: csr)
            #expect(byId.status == .ok)
            #expect(byId.json["total"] as? Int == 3 && (byId.json["items"] as? [[String: Any]])?.count == 2, "a capped page and the total")
            let next = try await api.call(.get, "/candidates?query=find-\(tag)&limit=2&offset=2", as: csr)
            #expect((next.json["items"] as? [[String: Any]])?.first?["candidateId"] as? String == "find-\(tag)-2")
            let byEmail = try await api.call(.get, "/candidates?query=\(tag)-1@example", as: csr)
            #expect((byEmail.json["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Ada find-\(tag)-1"])
            // A percent sign is looked for as itself, not as a wildcard.
            #expect(try await api.call(.get, "/candidates?query=%25%25", as: csr).json["total"] as? Int == 0)
            #expect(try await api.call(.get, "/candidates?query=a", as: csr).status == .badRequest)
            #expect(try await api.call(.get, "/candidates?query=find-\(tag)&limit=201", as: csr).status == .badRequest)
            #expect(try await api.call(.get, "/candidates?query=find-\(tag)", as: try await api.candidate("c")).status == .forbidden)
        }
    }

    @Test func aProctorIsCorrectedOrDeactivatedAndADeactivatedOneGetsNoNewSession() async throws {
        try await withAPI { api in
            let exam = try await api.exam()
            let csr = try await api.csr()
            let start = Date().addingTimeInterval(20 * 86_400)
            let first = try await api.publicSession(exam: exam, start: start)
            let second = try await api.publicSession(exam: exam, start: start + 86_400)
            let email = "sam-\(UUID().uuidString.prefix(6).lowercased())@example.org"
            let proctorId = try #require(try await api.call(.post, "/proctors", as: csr, json: #"{"name":"Sam Proctr","email":"\#(email)"}"#).json["id"] as? String)
            #expect(try await api.call(.put, "/sessions/\(first)/proctors/\(proctorId)", as: csr).status == .ok)

            let renamed = try await api.call(.patch, "/proctors/\(proctorId)", as: csr, json: #"{"name":"Sam Proctor"}"#)
            #expect(renamed.status == .ok && renamed.json["name"] as? String == "Sam Proctor" && renamed.json["active"] as? Bool == true)
            let other = try await api.call(.post, "/proctors", as: csr, json: #"{"name":"Other","email":"other-\#(email)"}"#)
            #expect(other.status == .created)
            let taken = try await api.call(.patch, "/proctors/\(proctorId)", as: csr, json: #"{"email":"other-\#(email)"}"#)
            #expect(taken.status == .conflict && taken.problem == "proctor-exists")
            #expect(try await api.call(.patch, "/proctors/\(proctorId)", as: csr, json: #"{"email":"not an email"}"#).status == .unprocessableContent)
            // The registry is searched by name or email address.
            let otherId = try #require(other.json["id"] as? String)
            for (search, found, notFound) in [("sam%20proctor", proctorId, otherId), ("other-\(email.prefix(10))", otherId, proctorId)] {
                let reply = try await api.call(.get, "/proctors?query=\(search)", as: csr)
                let ids = (reply.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                #expect(ids.contains(found) && !ids.contains(notFound), "\(search): \(ids)")
            }
            #expect(try await api.call(.get, "/proctors?query=s", as: csr).status == .badRequest, "a search of one character")

            // Deactivated: the existing assignment is listed for a CSR to hand over; no new one is taken.
            let deactivated = try await api.call(.patch, "/proctors/\(proctorId)", as: csr, json: #"{"active":false}"#)
            #expect(deactivated.status == .ok && deactivated.json["active"] as? Bool == false)
            let assignments = deactivated.json["assignments"] as? [[String: Any]] ?? []
            #expect(assignments.compactMap { $0["sessionId"] as? String } == [first])
            let refused = try await api.call(.put, "/sessions/\(second)/proctors/\(proctorId)", as: csr)
            #expect(refused.status == .conflict && refused.problem == "proctor-inactive")
            let listed = try await api.call(.get, "/proctors/\(proctorId)", as: csr)
            #expect(listed.json["active"] as? Bool == false && (listed.json["assignments"] as? [[String: Any]])?.count == 1)
            #expect(try await api.call(.patch, "/proctors/\(proctorId)", as: csr, json: #"{"active":true}"#).status == .ok)
            #expect(try await api.call(.put, "/sessions/\(second)/proctors/\(proctorId)", as: csr).status == .ok)
            #expect(try await api.call(.get, "/proctors/\(proctorId)", as: try await api.candidate("c")).status == .forbidden)
        }
    }

    @Test func examsAndLocationsAreCorrectedOrDeactivatedAndPlannedSessionsKeepThem() async throws {
        try await withAPI { api in
            let csr = try await api.csr()
            let tag = UUID().uuidString.prefix(8).lowercased()
            let exam = try await api.exam()
            let location = try await api.location()
            let session = try await api.publicSession(exam: exam, location: location)
            #expect(try await api.book(session, candidate: candidateId()).status == .created)

            // A correction candidates would see reaches the planned session: history, and a session.updated naming the place.
            let moved = try await api.call(.patch, "/locations/\(location)", as: csr, json: #"{"name":"Paris Bastille","address":"2 place de la Bastille \#(tag)"}"#)
            #expect(moved.status == .ok && moved.json["name"] as? String == "Paris Bastille" && moved.json["active"] as? Bool == true)
            #expect((moved.json["sessions"] as? [[String: Any]])?.compactMap { $0["sessionId"] as? String } == [session])
            let updates = try outbox.events("session.updated", mentioning: "2 place de la Bastille \(tag)")
            #expect(updates.count == 1)
            #expect(updates.first?["changedFields"] as? [String] == ["location"])
            #expect((updates.first?["session"] as? [String: Any])?["locationName"] as? String == "Paris Bastille")
            let history = try await api.call(.get, "/sessions/\(session)/history", as: csr).json["items"] as? [[String: Any]] ?? []
            let line = try #require(history.last)
            #expect(line["change"] as? String == "location-changed" && line["actor"] as? String == "csr:csr-1")
            #expect((line["before"] as? [String: Any])?["locationName"] as? String == "Paris Centre")
            #expect((line["after"] as? [String: Any])?["address"] as? String == "2 place de la Bastille \(tag)")
            #expect(try await api.session(session).location.name == "Paris Bastille")

            // Deactivated: the planned session keeps both and can still change; no new session uses either.
            let closed = try await api.call(.patch, "/locations/\(location)", as: csr, json: #"{"active":false}"#)
            #expect(closed.status == .ok && closed.json["active"] as? Bool == false)
            #expect(try outbox.events("session.updated", mentioning: "2 place de la Bastille \(tag)").count == 1, "deactivating tells no candidate")
            let retired = try await api.call(.patch, "/exams/\(exam)", as: csr, json: #"{"active":false,"title":"Retired exam \#(tag)"}"#)
            #expect(retired.status == .ok && retired.json["active"] as? Bool == false && retired.json["title"] as? String == "Retired exam \(tag)")
            #expect(try outbox.events("exam.updated", mentioning: "Retired exam \(tag)").count == 1)
            #expect(try await api.call(.patch, "/sessions/\(session)", as: csr, json: #"{"room":"C4"}"#).status == .ok)
            let start = Timestamp.format(Date().addingTimeInterval(5 * 86_400)), end = Timestamp.format(Date().addingTimeInterval(5 * 86_400 + 3600))
            func create(location: String, exam: String) async throws -> SessionsTestClient.Reply {
                try await api.call(.post, "/sessions", as: csr, json: """
                    {"locationId":"\(location)","name":"New","examCodes":["\(exam)"],"selfEnrollment":false,"privateKind":"individual",
                     "availability":{"start":"\(start)","end":"\(end)"}}
                    """)
            }
            let atClosed = try await create(location: location, exam: try await api.exam())
            #expect(atClosed.status == .conflict && atClosed.problem == "location-inactive")
            let ofRetired = try await create(location: try await api.location(), exam: exam)
            #expect(ofRetired.status == .conflict && ofRetired.problem == "exam-inactive")
            let elsewhere = try await api.privateSession(kind: .individual, exams: [try await api.exam()])
            let toClosed = try await api.call(.patch, "/sessions/\(elsewhere)", as: csr, json: #"{"locationId":"\#(location)"}"#)
            #expect(toClosed.status == .conflict && toClosed.problem == "location-inactive")

            #expect(try await api.call(.patch, "/locations/\(location)", as: csr, json: #"{"active":true}"#).status == .ok)
            #expect(try await api.call(.patch, "/exams/\(exam)", as: csr, json: #"{"active":true}"#).status == .ok)
            #expect(try await create(location: location, exam: exam).status == .created)

            #expect(try await api.call(.patch, "/locations/\(location)", as: csr, json: #"{"timeZone":"Mars/Olympus"}"#).status == .unprocessableContent)
            #expect(try await api.call(.patch, "/exams/\(exam)", as: csr, json: #"{"noShowPolicy":"maybe"}"#).status == .badRequest)
            #expect(try await api.call(.patch, "/exams/NO-SUCH", as: csr, json: #"{"active":false}"#).status == .notFound)
            #expect(try await api.call(.patch, "/locations/\(location)", as: try await api.candidate("c"), json: #"{"active":false}"#).status == .forbidden)
            #expect(try await api.call(.get, "/exams/\(exam)", as: try await api.candidate("c")).json["active"] as? Bool == true)
            let found = try await api.call(.get, "/locations?query=bastille%20\(tag)", as: csr)
            #expect((found.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [location] && found.json["total"] as? Int == 1)
            let byTitle = try await api.call(.get, "/exams?query=retired%20exam%20\(tag)", as: csr)
            #expect((byTitle.json["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == [exam])
            for list in ["/exams", "/locations", "/proctors"] {
                let page = try await api.call(.get, "\(list)?limit=1", as: csr)
                #expect((page.json["items"] as? [Any])?.count == 1 && (page.json["total"] as? Int ?? 0) >= 2, "\(list) pages with its total")
                #expect(try await api.call(.get, "\(list)?limit=1001", as: csr).status == .badRequest, "\(list) never answers more than 1000")
            }
        }
    }
}
