import ExamHallModels
import Foundation
@testable import SessionsService
import Testing

/// Every booking rule and every refusal, as pure functions.
struct BookingRulesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour: TimeInterval = 3600

    static func session(
        capacity: Int = 10, seatsTaken: Int = 0, authorizationRequired: Bool = false, price: Money? = nil,
        enrollment: Enrollment? = nil, status: SessionStatus = .scheduled, examCodes: [String] = ["CLOUD-101"],
        bookingDeadline: Date = now + 24 * hour, cancellationDeadline: Date = now + 24 * hour, start: Date = now + 48 * hour
    ) -> Session {
        Session(
            id: UUID(), location: Location(id: UUID(), name: "Paris", address: "1 rue", timeZone: "Europe/Paris"), name: "Morning",
            examCodes: examCodes, room: nil, additionalInstructions: nil, instructions: nil, deliveryPreference: "in-person",
            start: start, end: start + 2 * hour,
            enrollment: enrollment ?? .selfEnrollment(PublicSettings(
                bookingDeadline: bookingDeadline, cancellationDeadline: cancellationDeadline, capacity: capacity, authorizationRequired: authorizationRequired
            )),
            price: price, candidatesPerProctor: 16, status: status, seatsTaken: seatsTaken, createdAt: now, updatedAt: now
        )
    }

    static func authorization(candidate: String = "cand-1", exam: String = "CLOUD-101", status: AuthorizationStatus = .open) -> ProjectedAuthorization {
        ProjectedAuthorization(id: UUID(), purchaseId: "P-1", candidateId: candidate, examCode: exam, status: status, bookingId: nil)
    }

    static let noFacts = BookingRules.CandidateFacts(hasActiveBookingForExam: false, isWaitlistedHere: false, openAuthorization: nil)
    static let candidate = Requester.candidate(id: "cand-1")
    static let csr = Requester.staff(actor: .csr)

    func decide(
        _ session: Session, _ request: BookingRules.Request = .init(requester: candidate, candidateId: "cand-1"),
        facts: BookingRules.CandidateFacts = noFacts, at now: Date = now
    ) throws(BookingRefusal) -> BookingRules.Decision {
        let exam = try BookingRules.examFor(request, in: session)
        return try BookingRules.decide(request, session: session, exam: exam, facts: facts, now: now, paymentWindow: 1800)
    }

    /// The problem type of the refusal `body` throws; nil when it succeeds.
    func refusal(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return (error as? BookingRefusal)?.problemType ?? "\(error)" }
    }

    @Test func aFreePublicSessionConfirmsAtOnce() throws {
        #expect(try decide(Self.session()) == .confirm(authorization: nil))
    }

    @Test func refusalsNameTheirRule() {
        #expect(refusal { try decide(Self.session(status: .cancelled)) } == "session-cancelled")
        #expect(refusal { try decide(Self.session(), at: Self.now + 48 * Self.hour) } == "session-started")
        #expect(refusal { try decide(Self.session(), at: Self.now + 24 * Self.hour) } == "booking-deadline-passed")
        #expect(refusal { try decide(Self.session(capacity: 2, seatsTaken: 2)) } == "session-full")
        #expect(refusal { try decide(Self.session(), facts: .init(hasActiveBookingForExam: true, isWaitlistedHere: false, openAuthorization: nil)) } == "already-booked")
        #expect(refusal { try decide(Self.session(authorizationRequired: true)) } == "authorization-required")
        #expect(refusal { try decide(Self.session(enrollment: .privateSession(.individual))) } == "session-private")
        #expect(refusal { try decide(Self.session(), .init(requester: Self.candidate, candidateId: "cand-1", examCode: "OTHER-1")) } == "exam-mismatch")
    }

    @Test func theBookingDeadlineIsTheFirstInstantThatIsTooLate() throws {
        let session = Self.session()
        #expect(try decide(session, at: Self.now + 24 * Self.hour - 0.001) == .confirm(authorization: nil))
        #expect(refusal { try decide(session, at: Self.now + 24 * Self.hour) } == "booking-deadline-passed")
        // A CSR may still add someone after the candidates' deadline, and on exam day a walk-in after the
        // start, until the session ends; a candidate never once it started.
        let late = BookingRules.Request(requester: Self.csr, candidateId: "cand-1")
        #expect(try decide(session, late, at: Self.now + 30 * Self.hour) == .confirm(authorization: nil))
        #expect(try decide(session, late, at: Self.now + 49 * Self.hour) == .confirm(authorization: nil), "a walk-in during the session")
        #expect(refusal { try decide(session, late, at: Self.now + 50 * Self.hour) } == "session-ended")
        #expect(refusal { try decide(session, at: Self.now + 49 * Self.hour) } == "session-started")
    }

    @Test func anAuthorizationRequiredSessionUsesTheCandidatesOpenAuthorization() throws {
        let open = Self.authorization()
        let facts = BookingRules.CandidateFacts(hasActiveBookingForExam: false, isWaitlistedHere: false, openAuthorization: open)
        #expect(try decide(Self.session(authorizationRequired: true), facts: facts) == .confirm(authorization: open))
        // Paid and authorization-required: the authorization is the payment.
        #expect(try decide(Self.session(authorizationRequired: true, price: Money(amount: 90, currency: "EUR")), facts: facts) == .confirm(authorization: open))
    }

    @Test func aNamedAuthorizationMustBeOpenAndTheCandidates() {
        let session = Self.session(enrollment: .privateSession(.common), examCodes: ["CLOUD-101", "DATA-201"])
        func request(_ authorization: ProjectedAuthorization) -> BookingRules.Request {
            .init(requester: Self.csr, candidateId: "cand-1", authorization: authorization)
        }
        #expect(refusal { try decide(session, request(Self.authorization(status: .assigned))) } == "authorization-not-open")
        #expect(refusal { try decide(session, request(Self.authorization(status: .inactive))) } == "authorization-not-open")
        #expect(refusal { try decide(session, request(Self.authorization(candidate: "someone-else"))) } == "authorization-of-another-candidate")
    }

    @Test func privateSessionsTakeAuthorizationsByKind() throws {
        let individual = Self.session(price: Money(amount: 50, currency: "EUR"), enrollment: .privateSession(.individual))
        let common = Self.session(price: Money(amount: 50, currency: "EUR"), enrollment: .privateSession(.common))
        let cloud = Self.authorization(exam: "CLOUD-101")
        let security = Self.authorization(exam: "SEC-300")
        func assign(_ authorization: ProjectedAuthorization) -> BookingRules.Request {
            .init(requester: Self.csr, candidateId: "cand-1", authorization: authorization)
        }
        #expect(try decide(individual, assign(cloud)) == .confirm(authorization: cloud))
        #expect(refusal { try decide(individual, assign(security)) } == "exam-mismatch")
        // A common session takes any exam.
        #expect(try decide(common, assign(cloud)) == .confirm(authorization: cloud))
        #expect(try decide(common, assign(security)) == .confirm(authorization: security))
        #expect(try BookingRules.examFor(assign(security), in: common) == "SEC-300")
    }

    @Test func staffAddCandidatesWithoutAuthorizationToFreeSessionsOnly() throws {
        let add = BookingRules.Request(requester: Self.csr, candidateId: "cand-1", examCode: "CLOUD-101")
        #expect(try decide(Self.session(enrollment: .privateSession(.common)), add) == .confirm(authorization: nil))
        #expect(refusal { try decide(Self.session(price: Money(amount: 50, currency: "EUR"), enrollment: .privateSession(.common)), add) } == "session-not-free")
        #expect(refusal { try decide(Self.session(price: Money(amount: 50, currency: "EUR")), add) } == "session-not-free")
        #expect(refusal { try decide(Self.session(enrollment: .privateSession(.common)), .init(requester: Self.csr, candidateId: "cand-1")) } == "exam-code-required")
    }

    @Test func aPaidSessionHoldsTheSeatForThePaymentWindow() throws {
        let price = Money(amount: 120, currency: "EUR")
        #expect(try decide(Self.session(price: price)) == .holdForPayment(until: Self.now + 1800, price: price))
    }

    @Test func aFullSessionOffersItsWaitlistOnlyWhenAsked() throws {
        let full = Self.session(capacity: 1, seatsTaken: 1)
        let asking = BookingRules.Request(requester: Self.candidate, candidateId: "cand-1", joinWaitlistWhenFull: true)
        #expect(try decide(full, asking) == .waitlist)
        #expect(refusal { try decide(full, asking, facts: .init(hasActiveBookingForExam: false, isWaitlistedHere: true, openAuthorization: nil)) } == "already-waitlisted")
        // With a seat free, asking for the waitlist simply books.
        #expect(try decide(Self.session(), asking) == .confirm(authorization: nil))
    }

    @Test func cancellationDeadlineAndWaitlists() throws {
        let session = Self.session()
        var booking = Booking(
            id: UUID(), sessionId: session.id, candidateId: "cand-1", examCode: "CLOUD-101", authorizationId: nil, status: .confirmed,
            waitlistPosition: nil, paymentExpiresAt: nil, paymentId: nil, endReason: nil, createdBy: "candidate", createdAt: Self.now, updatedAt: Self.now
        )
        let late = Self.now + 25 * Self.hour
        #expect(throws: Never.self) { try BookingRules.cancellation(of: booking, in: session, by: Self.candidate, now: Self.now) }
        #expect(refusal { try BookingRules.cancellation(of: booking, in: session, by: Self.candidate, now: late) } == "cancellation-deadline-passed")
        #expect(throws: Never.self) { try BookingRules.cancellation(of: booking, in: session, by: Self.csr, now: late) }
        #expect(refusal { try BookingRules.cancellation(of: booking, in: Self.session(enrollment: .privateSession(.individual)), by: Self.candidate, now: Self.now) } == "cancellation-by-staff-only")
        booking.status = .waitlisted
        #expect(throws: Never.self) { try BookingRules.cancellation(of: booking, in: session, by: Self.candidate, now: late) }
        booking.status = .cancelled
        #expect(refusal { try BookingRules.cancellation(of: booking, in: session, by: Self.csr, now: Self.now) } == "booking-not-active")
    }

    @Test func transfersAndReschedules() {
        let source = Self.session()
        let booking = Booking(
            id: UUID(), sessionId: source.id, candidateId: "cand-1", examCode: "CLOUD-101", authorizationId: nil, status: .confirmed,
            waitlistPosition: nil, paymentExpiresAt: nil, paymentId: nil, endReason: nil, createdBy: "candidate", createdAt: Self.now, updatedAt: Self.now
        )
        func transfer(to target: Session, by requester: Requester, at now: Date = Self.now) -> String? {
            refusal { try BookingRules.transfer(booking, from: source, to: target, by: requester, targetHasActiveBooking: false, now: now) }
        }
        #expect(transfer(to: Self.session(), by: Self.candidate) == nil)
        #expect(transfer(to: Self.session(), by: Self.candidate, at: Self.now + 25 * Self.hour) == "cancellation-deadline-passed")
        #expect(transfer(to: Self.session(), by: Self.csr, at: Self.now + 25 * Self.hour) == nil)
        #expect(transfer(to: source, by: Self.csr) == "same-session")
        #expect(transfer(to: Self.session(capacity: 1, seatsTaken: 1), by: Self.csr) == "session-full")
        #expect(transfer(to: Self.session(examCodes: ["DATA-201"]), by: Self.csr) == "exam-mismatch")
        #expect(transfer(to: Self.session(enrollment: .privateSession(.common), examCodes: ["DATA-201"]), by: Self.csr) == nil)
        #expect(transfer(to: Self.session(enrollment: .privateSession(.individual)), by: Self.candidate) == "session-private")
        #expect(transfer(to: Self.session(price: Money(amount: 10, currency: "EUR")), by: Self.candidate) == "price-differs")
        #expect(transfer(to: Self.session(authorizationRequired: true), by: Self.candidate) == "authorization-required")
        #expect(transfer(to: Self.session(status: .cancelled), by: Self.csr) == "session-cancelled")
        // On exam day a CSR moves a candidate into a session under way, never into one that has ended.
        let underway = Self.session(start: Self.now - Self.hour)
        #expect(transfer(to: underway, by: Self.csr) == nil)
        #expect(transfer(to: Self.session(start: Self.now - 3 * Self.hour), by: Self.csr) == "session-ended")
    }

    @Test func waitlistPromotionSkipsTheIneligibleAndStopsAtTheDeadline() {
        let entry = Booking(
            id: UUID(), sessionId: UUID(), candidateId: "cand-1", examCode: "CLOUD-101", authorizationId: nil, status: .waitlisted,
            waitlistPosition: 1, paymentExpiresAt: nil, paymentId: nil, endReason: nil, createdBy: "candidate", createdAt: Self.now, updatedAt: Self.now
        )
        func promotion(_ session: Session, _ facts: BookingRules.CandidateFacts = Self.noFacts, at now: Date = Self.now) -> BookingRules.Promotion {
            BookingRules.promotion(of: entry, in: session, facts: facts, now: now, paymentWindow: 600)
        }
        #expect(promotion(Self.session(capacity: 2, seatsTaken: 1)) == .confirm(authorization: nil))
        #expect(promotion(Self.session(capacity: 2, seatsTaken: 2)) == .stop)
        #expect(promotion(Self.session(capacity: 2, seatsTaken: 1), at: Self.now + 24 * Self.hour) == .stop)
        #expect(promotion(Self.session(capacity: 2, seatsTaken: 1), .init(hasActiveBookingForExam: true, isWaitlistedHere: true, openAuthorization: nil)) == .skip(.alreadyBooked))
        #expect(promotion(Self.session(capacity: 2, seatsTaken: 1, authorizationRequired: true)) == .skip(.authorizationRequired(examCode: "CLOUD-101")))
        let price = Money(amount: 5, currency: "EUR")
        #expect(promotion(Self.session(capacity: 2, seatsTaken: 1, price: price)) == .holdForPayment(until: Self.now + 600, price: price))
    }
}
