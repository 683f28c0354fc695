import ConsoleService
import Foundation
import Testing

/// The console's pure rules: sign-in throttling, signing key rotation, calendar spans and how times
/// are written for people.
@Suite struct SignInThrottleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int, minutesAgo: Double = 1) -> [Date] {
        (0..<count).map { now.addingTimeInterval(-minutesAgo * 60 - Double($0)) }
    }

    @Test func aFewMistakesAreAllowed() {
        #expect(SignInThrottle.decide(accountFailures: failures(4), addressFailures: failures(4), now: now) == .allowed)
    }

    @Test func fiveFailuresOnAnAccountMakeItWait() {
        guard case .throttled(let wait) = SignInThrottle.decide(accountFailures: failures(5), addressFailures: [], now: now) else {
            Issue.record("five failures are throttled")
            return
        }
        #expect(wait > 13 * 60 && wait <= 15 * 60)
    }

    @Test func twentyFailuresFromOneAddressMakeItWaitWhateverTheAccount() {
        #expect(SignInThrottle.decide(accountFailures: [], addressFailures: failures(20), now: now) != .allowed)
        #expect(SignInThrottle.decide(accountFailures: [], addressFailures: failures(19), now: now) == .allowed)
    }

    @Test func failuresOlderThanTheWindowAreForgotten() {
        #expect(SignInThrottle.decide(accountFailures: failures(10, minutesAgo: 16), addressFailures: [], now: now) == .allowed)
    }
}

@Suite struct SigningKeyRotationTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400

    @Test func aKeyIsMadeWhenThereIsNoneOrTheCurrentOneIsOld() {
        #expect(SigningKeyRotation.needsNewKey([], now: now, rotationPeriod: 30 * day))
        let young = SigningKeyRecord(kid: "a", createdAt: now.addingTimeInterval(-29 * day))
        #expect(!SigningKeyRotation.needsNewKey([young], now: now, rotationPeriod: 30 * day))
        let old = SigningKeyRecord(kid: "a", createdAt: now.addingTimeInterval(-30 * day))
        #expect(SigningKeyRotation.needsNewKey([old], now: now, rotationPeriod: 30 * day))
    }

    @Test func theNewestActiveKeySigns() {
        let keys = [
            SigningKeyRecord(kid: "old", createdAt: now.addingTimeInterval(-40 * day), retiredAt: now.addingTimeInterval(-60)),
            SigningKeyRecord(kid: "new", createdAt: now.addingTimeInterval(-60)),
        ]
        #expect(SigningKeyRotation.signing(keys)?.kid == "new")
    }

    @Test func aRetiredKeyStaysPublishedUntilItsTokensHaveExpired() {
        let retired = SigningKeyRecord(kid: "old", createdAt: now.addingTimeInterval(-40 * day), retiredAt: now.addingTimeInterval(-299))
        let current = SigningKeyRecord(kid: "new", createdAt: now.addingTimeInterval(-299))
        let published = SigningKeyRotation.published([retired, current], now: now, tokenLifetime: 300, grace: 0)
        #expect(published.map(\.kid) == ["new", "old"])
        let later = now.addingTimeInterval(2)
        #expect(SigningKeyRotation.published([retired, current], now: later, tokenLifetime: 300, grace: 0).map(\.kid) == ["new"])
        #expect(SigningKeyRotation.expired([retired, current], now: later, tokenLifetime: 300, grace: 0).map(\.kid) == ["old"])
    }
}

@Suite struct CalendarRangeTests {
    @Test func aWeekRunsMondayToSunday() {
        let range = CalendarRange(scope: .week, anchor: "2026-12-10", today: "2026-12-05")
        #expect(range.days == ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"])
        #expect(range.previous == "2026-11-30")
        #expect(range.next == "2026-12-14")
    }

    @Test func aSundayBelongsToTheWeekBeforeIt() {
        #expect(CalendarRange(scope: .week, anchor: "2026-12-13", today: "2026-12-05").days.first == "2026-12-07")
    }

    @Test func aDayIsJustThatDay() {
        let range = CalendarRange(scope: .day, anchor: "2026-12-31", today: "2026-12-05")
        #expect(range.days == ["2026-12-31"])
        #expect(range.next == "2027-01-01")
    }

    @Test func anInvalidDayFallsBackToToday() {
        #expect(CalendarRange(scope: .day, anchor: "2026-13-45", today: "2026-12-05").days == ["2026-12-05"])
        #expect(CalendarRange(scope: .day, anchor: "soon", today: "2026-12-05").days == ["2026-12-05"])
    }

    @Test func theQueryCoversTheDaysOnEveryClock() {
        let range = CalendarRange(scope: .day, anchor: "2026-12-05", today: "2026-12-05")
        let (from, to) = range.query
        // Kiritimati (UTC+14) and Baker Island (UTC-12) both see all of their 5 December inside it.
        #expect(from <= ISO8601DateFormatter().date(from: "2026-12-04T10:00:00Z")!)
        #expect(to >= ISO8601DateFormatter().date(from: "2026-12-06T12:00:00Z")!)
    }
}

@Suite struct DisplayTimeTests {
    let start = ISO8601DateFormatter().date(from: "2026-12-12T08:00:00Z")!
    let end = ISO8601DateFormatter().date(from: "2026-12-12T11:00:00Z")!

    @Test func timesAreWrittenOutOnThePlacesClock() {
        #expect(DisplayTime.dateAndTime(start, timeZone: "Europe/Paris") == "Saturday 12 December 2026, 09:00 (Europe/Paris, UTC+1)")
        #expect(DisplayTime.dayAndTimeRange(start, end, timeZone: "Europe/London") == "Saturday 12 December 2026, 08:00–11:00 (Europe/London, UTC+0)")
        #expect(DisplayTime.timeRange(start, end, timeZone: "Asia/Kolkata") == "13:30–16:30 (Asia/Kolkata, UTC+5:30)")
    }

    @Test func aFieldIsReadOnTheLocationsClock() {
        #expect(DisplayTime.parseLocal("2026-12-12T09:00", timeZone: "Europe/Paris") == start)
        #expect(DisplayTime.localField(start, timeZone: "Europe/Paris") == "2026-12-12T09:00")
        #expect(DisplayTime.parseLocal("12/12/2026 9am", timeZone: "Europe/Paris") == nil)
    }
}

@Suite struct PasswordRulesTests {
    @Test func longPasswordsWithoutCompositionRules() {
        #expect(PasswordRules.problem(with: "short") != nil)
        #expect(PasswordRules.problem(with: "correct horse battery staple") == nil)
        #expect(PasswordRules.problem(with: String(repeating: "é", count: 40)) != nil, "bcrypt reads at most 72 bytes")
    }
}

@Suite struct AccountRulesTests {
    func account(_ role: StaffRole, active: Bool = true) -> Account {
        Account(id: UUID(), email: "\(role.rawValue)@example.org", name: role.rawValue, role: role, passwordHash: nil, proctorId: nil, active: active)
    }

    @Test func anAdminChangesOthersButNotThemself() throws {
        let admin = account(.admin)
        #expect(throws: Never.self) { try AccountRules.checkChange(of: account(.csr), by: admin, to: .proctor, active: true, activeAdmins: 1) }
        #expect(throws: AccountRules.Refusal.ownAccount) { try AccountRules.checkChange(of: admin, by: admin, to: .csr, active: true, activeAdmins: 2) }
    }

    @Test func theLastActiveAdminStays() throws {
        let other = account(.admin)
        let actor = account(.admin)
        #expect(throws: AccountRules.Refusal.lastAdmin) { try AccountRules.checkChange(of: other, by: actor, to: .csr, active: true, activeAdmins: 1) }
        #expect(throws: AccountRules.Refusal.lastAdmin) { try AccountRules.checkChange(of: other, by: actor, to: .admin, active: false, activeAdmins: 1) }
        #expect(throws: Never.self) { try AccountRules.checkChange(of: other, by: actor, to: .csr, active: true, activeAdmins: 2) }
        #expect(throws: Never.self) { try AccountRules.checkChange(of: account(.admin, active: false), by: actor, to: .admin, active: true, activeAdmins: 1) }
    }

    @Test func aLinkWorksOnceBeforeItExpires() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(AccountRules.linkUsable(expiresAt: now.addingTimeInterval(1), usedAt: nil, now: now))
        #expect(!AccountRules.linkUsable(expiresAt: now, usedAt: nil, now: now))
        #expect(!AccountRules.linkUsable(expiresAt: now.addingTimeInterval(60), usedAt: now.addingTimeInterval(-1), now: now))
    }
}
