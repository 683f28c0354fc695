import ExamHallModels
import Testing

@Suite struct AuthorizationStatusTests {
    /// Every status × every action, with the expected outcome: the whole machine in one table.
    static let table: [(AuthorizationStatus, AuthorizationAction, Result<AuthorizationStatus, AuthorizationRuleViolation>)] = [
        (.open, .assign, .success(.assigned)),
        (.open, .release, .failure(.notAssigned(.open))),
        (.open, .expire, .success(.inactive)),
        (.open, .deactivate, .success(.inactive)),
        (.open, .refund, .success(.inactive)),
        (.open, .consume, .failure(.notAssigned(.open))),
        (.assigned, .assign, .failure(.notOpen(.assigned))),
        (.assigned, .release, .success(.open)),
        (.assigned, .expire, .success(.inactive)),
        (.assigned, .deactivate, .failure(.inUse)),
        (.assigned, .refund, .success(.inactive)),
        (.assigned, .consume, .success(.inactive)),
        (.inactive, .assign, .failure(.alreadyInactive)),
        (.inactive, .release, .failure(.alreadyInactive)),
        (.inactive, .expire, .failure(.alreadyInactive)),
        (.inactive, .deactivate, .failure(.alreadyInactive)),
        (.inactive, .refund, .failure(.alreadyInactive)),
        (.inactive, .consume, .failure(.alreadyInactive)),
    ]

    @Test func tableCoversEveryPair() {
        #expect(Self.table.count == AuthorizationStatus.allCases.count * 6)
    }

    @Test(arguments: Self.table.indices)
    func transition(_ index: Int) {
        let (status, action, expected) = Self.table[index]
        let actual = Result { () throws(AuthorizationRuleViolation) in try status.applying(action) }
        #expect(actual == expected, "\(status) on \(action)")
    }

    @Test func inactivationReasonsNameTheCause() {
        #expect(AuthorizationStatus.inactivationReason(for: .expire) == .expired)
        #expect(AuthorizationStatus.inactivationReason(for: .refund) == .refunded)
        #expect(AuthorizationStatus.inactivationReason(for: .deactivate) == .deactivated)
        #expect(AuthorizationStatus.inactivationReason(for: .consume) == .consumed)
        #expect(AuthorizationStatus.inactivationReason(for: .assign) == nil)
        #expect(AuthorizationStatus.inactivationReason(for: .release) == nil)
    }

    @Test func violationsMapToStableProblemTypes() {
        #expect(AuthorizationRuleViolation.notOpen(.assigned).problemType == "authorization-not-open")
        #expect(AuthorizationRuleViolation.inUse.problemType == "authorization-in-use")
        #expect(AuthorizationRuleViolation.alreadyInactive.problemType == "authorization-inactive")
    }
}
