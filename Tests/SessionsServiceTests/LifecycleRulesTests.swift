import ExamHallModels
import Foundation
@testable import SessionsService
import Testing

/// The end of the lifecycle as pure rules: public bookings connect the candidate's own authorization,
/// authorizations must last through the session, and completed or no-show bookings are final.
struct LifecycleRulesTests {
    typealias Fixture = BookingRulesTests
    static let now = Fixture.now
    static let hour = Fixture.hour

    func decide(_ session: Session, _ request: BookingRules.Request = .init(requester: Fixture.candidate, candidateId: "cand-1"), open: ProjectedAuthorization?) throws(BookingRefusal) -> BookingRules.Decision {
        let facts = BookingRules.CandidateFacts(hasActiveBookingForExam: false, isWaitlistedHere: false, openAuthorization: open)
        return try BookingRules.decide(request, session: session, exam: "CLOUD-101", facts: facts, now: Self.now, paymentWindow: 1800)
    }

    func refusal(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return (error as? BookingRefusal)?.problemType ?? "\(error)" }
    }

    static func authorization(validUntil: Date?) -> ProjectedAuthorization {
        var authorization = Fixture.authorization()
        authorization.validUntil = validUntil
        return authorization
    }

    @Test func aPublicSessionThatDoesNotRequireAnAuthorizationStillConnectsTheCandidatesOpenOne() throws {
        let open = Self.authorization(validUntil: nil)
        #expect(try decide(Fixture.session(), open: open) == .confirm(authorization: open))
        // In a paid session the authorization is the payment: no hold.
        #expect(try decide(Fixture.session(price: Money(amount: 90, currency: "EUR")), open: open) == .confirm(authorization: open))
        // Without one, a free session still confirms.
        #expect(try decide(Fixture.session(), open: nil) == .confirm(authorization: nil))
    }

    @Test func sayingAuthorizationIdNullBooksWithoutItWhereTheSessionAllows() throws {
        let open = Self.authorization(validUntil: nil)
        let declining = BookingRules.Request(requester: Fixture.candidate, candidateId: "cand-1", declinesAuthorization: true)
        #expect(try decide(Fixture.session(), declining, open: open) == .confirm(authorization: nil))
        let paid = Fixture.session(price: Money(amount: 90, currency: "EUR"))
        guard case .holdForPayment = try decide(paid, declining, open: open) else { Issue.record("a declined authorization in a paid session is paid for"); return }
        // A session that requires one cannot be booked without it.
        #expect(try decide(Fixture.session(authorizationRequired: true), declining, open: open) == .confirm(authorization: open))
        #expect(refusal { try decide(Fixture.session(authorizationRequired: true), declining, open: nil) } == "authorization-required")
    }

    @Test func anAuthorizationMustLastUntilTheSessionEnds() throws {
        let session = Fixture.session()
        let expiring = Self.authorization(validUntil: session.end - 1)
        let lasting = Self.authorization(validUntil: session.end)
        // Connected automatically only when it lasts; otherwise the booking goes ahead without it.
        #expect(try decide(session, open: expiring) == .confirm(authorization: nil))
        #expect(try decide(session, open: lasting) == .confirm(authorization: lasting))
        // Required: the refusal says why.
        #expect(refusal { try decide(Fixture.session(authorizationRequired: true), open: expiring) } == "authorization-expires-before-session")
        // Named by a CSR: refused too, as a request that can never work (422).
        let named = BookingRules.Request(requester: Fixture.csr, candidateId: "cand-1", authorization: expiring)
        #expect(refusal { try decide(Fixture.session(enrollment: .privateSession(.individual)), named, open: nil) } == "authorization-expires-before-session")
        #expect(BookingRefusal.authorizationExpiresBeforeSession(validUntil: Self.now, sessionEnd: Self.now).isConflict == false)
    }

    @Test func aTransferToALaterSessionNeedsTheAuthorizationToLastThroughIt() throws {
        let source = Fixture.session()
        let target = Fixture.session(start: source.start + 72 * Self.hour)
        let booking = Self.booking(in: source, status: .confirmed)
        let authorization = Self.authorization(validUntil: source.end + Self.hour)
        #expect(refusal {
            try BookingRules.transfer(booking, from: source, to: target, by: Fixture.csr, authorization: authorization, targetHasActiveBooking: false, now: Self.now)
        } == "authorization-expires-before-session")
        try BookingRules.transfer(booking, from: source, to: target, by: Fixture.csr, authorization: nil, targetHasActiveBooking: false, now: Self.now)
    }

    @Test func completedAndNoShowBookingsAreFinal() throws {
        let session = Fixture.session()
        let other = Fixture.session()
        for (status, problem) in [(BookingStatus.completed, "booking-completed"), (.noShow, "booking-no-show")] {
            let booking = Self.booking(in: session, status: status)
            #expect(!status.isActive && !status.holdsSeat)
            #expect(refusal { try BookingRules.cancellation(of: booking, in: session, by: Fixture.csr, now: Self.now) } == problem)
            #expect(refusal { try BookingRules.cancellation(of: booking, in: session, by: Fixture.candidate, now: Self.now) } == problem)
            #expect(refusal {
                try BookingRules.transfer(booking, from: session, to: other, by: Fixture.csr, targetHasActiveBooking: false, now: Self.now)
            } == problem)
        }
    }

    @Test func aWaitlistPromotionConnectsTheCandidatesOwnAuthorizationToo() {
        let session = Fixture.session(capacity: 2, seatsTaken: 1)
        let entry = Self.booking(in: session, status: .waitlisted)
        let open = Self.authorization(validUntil: nil)
        let facts = BookingRules.CandidateFacts(hasActiveBookingForExam: false, isWaitlistedHere: true, openAuthorization: open)
        #expect(BookingRules.promotion(of: entry, in: session, facts: facts, now: Self.now, paymentWindow: 1800) == .confirm(authorization: open))
        let required = Fixture.session(capacity: 2, seatsTaken: 1, authorizationRequired: true)
        let expiring = BookingRules.CandidateFacts(hasActiveBookingForExam: false, isWaitlistedHere: true, openAuthorization: Self.authorization(validUntil: required.end - 1))
        guard case .skip(.authorizationExpiresBeforeSession) = BookingRules.promotion(of: entry, in: required, facts: expiring, now: Self.now, paymentWindow: 1800) else {
            Issue.record("an authorization that expires first cannot promote"); return
        }
    }

    static func booking(in session: Session, status: BookingStatus) -> Booking {
        Booking(
            id: UUID(), sessionId: session.id, candidateId: "cand-1", examCode: "CLOUD-101", authorizationId: nil, status: status,
            waitlistPosition: status == .waitlisted ? 1 : nil, paymentExpiresAt: nil, paymentId: nil, endReason: nil,
            createdBy: "candidate:cand-1", createdAt: now, updatedAt: now
        )
    }
}
