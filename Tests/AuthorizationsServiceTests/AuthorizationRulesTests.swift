@testable import AuthorizationsService
import ExamHallModels
import Foundation
import Testing

@Suite struct AuthorizationRulesTests {
    func authorization(_ status: AuthorizationStatus, validUntil: Date?) -> Authorization {
        Authorization(
            id: UUID(), purchaseId: "P", candidateId: "c", examCode: "E", status: status, validUntil: validUntil,
            bookingId: status == .assigned ? "b" : nil, sessionId: nil, inactivationReason: nil, createdAt: .now, updatedAt: .now
        )
    }

    @Test func openingDecisions() {
        #expect(AuthorizationRules.opening(purchaseAlreadyKnown: false, refundedEarlier: false) == .open(initialStatus: .open))
        #expect(AuthorizationRules.opening(purchaseAlreadyKnown: false, refundedEarlier: true) == .open(initialStatus: .inactive))
        #expect(AuthorizationRules.opening(purchaseAlreadyKnown: true, refundedEarlier: false) == .alreadyOpened)
        #expect(AuthorizationRules.opening(purchaseAlreadyKnown: true, refundedEarlier: true) == .alreadyOpened)
    }

    @Test func expiryIsDecidedAtTheGivenTime() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(AuthorizationRules.isExpired(authorization(.open, validUntil: now), at: now))
        #expect(!AuthorizationRules.isExpired(authorization(.open, validUntil: now.addingTimeInterval(1)), at: now))
        #expect(!AuthorizationRules.isExpired(authorization(.open, validUntil: nil), at: now))
        #expect(!AuthorizationRules.isExpired(authorization(.assigned, validUntil: now.addingTimeInterval(-1)), at: now))
        #expect(!AuthorizationRules.isExpired(authorization(.inactive, validUntil: now.addingTimeInterval(-1)), at: now))
    }

    @Test func transitionCarriesTheInactivationReason() throws {
        let refund = try AuthorizationRules.transition(authorization(.assigned, validUntil: nil), .refund)
        #expect(refund == .init(from: .assigned, to: .inactive, inactivationReason: .refunded))
        let release = try AuthorizationRules.transition(authorization(.assigned, validUntil: nil), .release)
        #expect(release == .init(from: .assigned, to: .open, inactivationReason: nil))
    }
}
