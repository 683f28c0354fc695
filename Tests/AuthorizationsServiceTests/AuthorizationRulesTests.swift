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

    /// An Assigned authorization expires only when its validity has ended, its session has not started
    /// and its attempt has not begun.
    @Test func anAssignedAuthorizationExpiresOnlyBeforeItsSessionAndAttempt() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let later = now.addingTimeInterval(3600), earlier = now.addingTimeInterval(-1)
        #expect(AuthorizationRules.expiresUnused(authorization(.assigned, validUntil: earlier), sessionStart: later, at: now))
        #expect(AuthorizationRules.expiresUnused(authorization(.assigned, validUntil: now), sessionStart: later, at: now))
        #expect(!AuthorizationRules.expiresUnused(authorization(.assigned, validUntil: later), sessionStart: later.addingTimeInterval(60), at: now), "still valid")
        #expect(!AuthorizationRules.expiresUnused(authorization(.assigned, validUntil: earlier), sessionStart: now, at: now), "the session has started")
        #expect(!AuthorizationRules.expiresUnused(authorization(.assigned, validUntil: nil), sessionStart: later, at: now), "valid forever")
        var started = authorization(.assigned, validUntil: earlier)
        started.attemptStartedAt = earlier
        #expect(!AuthorizationRules.expiresUnused(started, sessionStart: later, at: now), "used")
        #expect(!AuthorizationRules.expiresUnused(authorization(.open, validUntil: earlier), sessionStart: later, at: now), "Open ones expire the usual way")
        let expiry = try? AuthorizationRules.transition(authorization(.assigned, validUntil: earlier), .expire)
        #expect(expiry == .init(from: .assigned, to: .inactive, inactivationReason: .expired))
    }

    @Test func transitionCarriesTheInactivationReason() throws {
        let refund = try AuthorizationRules.transition(authorization(.assigned, validUntil: nil), .refund)
        #expect(refund == .init(from: .assigned, to: .inactive, inactivationReason: .refunded))
        let release = try AuthorizationRules.transition(authorization(.assigned, validUntil: nil), .release)
        #expect(release == .init(from: .assigned, to: .open, inactivationReason: nil))
    }

    /// The end of a booking releases its authorization only if it was never used, and a no-show only
    /// under the `release` policy.
    @Test func aUsedAuthorizationNeverReturnsToOpen() {
        var held = authorization(.assigned, validUntil: nil)
        held.bookingId = "b-1"
        #expect(AuthorizationRules.releases(held, endOf: "b-1", .cancelled(attemptStarted: false)))
        #expect(!AuthorizationRules.releases(held, endOf: "b-1", .cancelled(attemptStarted: true)))
        #expect(!AuthorizationRules.releases(held, endOf: "b-2", .cancelled(attemptStarted: false)), "another booking's end")
        #expect(AuthorizationRules.releases(held, endOf: "b-1", .noShow(.release)))
        #expect(!AuthorizationRules.releases(held, endOf: "b-1", .noShow(.forfeit)))
        var used = held
        used.attemptStartedAt = Date()
        #expect(!AuthorizationRules.releases(used, endOf: "b-1", .cancelled(attemptStarted: false)), "its start is already known here")
        #expect(!AuthorizationRules.releases(used, endOf: "b-1", .noShow(.release)))
        #expect(!AuthorizationRules.releases(authorization(.open, validUntil: nil), endOf: "b-1", .cancelled(attemptStarted: false)))
    }
}
