import Foundation
import Testing
@testable import NotificationsService

/// The outgoing rate limit that protects the mail server.
struct RateLimiterTests {
    @Test func sendsAreSpacedEvenlyAndAnIdleSpellSavesUpNoBurst() {
        let limiter = RateLimiter(perSecond: 4)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let waits = (0..<4).map { _ in limiter.reserve(now: start) }
        #expect(waits == [0, 0.25, 0.5, 0.75])
        // Ten quiet seconds later: the next send goes at once, and the one after it waits its turn again.
        #expect(limiter.reserve(now: start + 10) == 0)
        #expect(limiter.reserve(now: start + 10) == 0.25)
        // A caller that arrives after its slot does not wait.
        #expect(limiter.reserve(now: start + 11) == 0)
    }

    @Test func sendersOfAReplicaShareOneLimit() async throws {
        let bed = try await NotificationTestBed(port: 18209)
        let session = NotificationTestBed.session(start: Date() + 10 * 86_400)
        let candidates = (0..<6).map { _ in NotificationTestBed.candidate(language: "en", timeZone: "UTC") }
        #expect(await bed.handle(try candidates.map { try .of(NotificationTestBed.confirmed($0, session: session), exchange: .events) }))
        let started = ContinuousClock.now
        try await bed.drain(senders: 3, limiter: RateLimiter(perSecond: 5))
        let elapsed = ContinuousClock.now - started
        for candidate in candidates { #expect(try bed.mail(to: candidate.contact.email).count == 1) }
        // Six sends at five a second: the sixth slot opens a full second after the first, however
        // many senders share the limit. (A lower bound only: a slow machine cannot make it fail.)
        #expect(elapsed >= .milliseconds(990), "\(elapsed)")
    }
}
