import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing
@testable import NotificationsService

/// A sent email keeps its address and body for the retention period, then only what was sent and when.
@Suite(.serialized) struct EmailRetentionTests {
    @Test func anEmailForgetsItsAddressAndBodyOnceItsRetentionHasPassed() async throws {
        let bed = try await NotificationTestBed(port: 18195)
        var settings = bed.settings
        settings.emailRetentionDays = 30
        let session = NotificationTestBed.session(start: Date().addingTimeInterval(40 * 86_400))
        let candidate = NotificationTestBed.candidate(language: "en", timeZone: "Europe/Paris")
        #expect(await bed.handle([try .of(NotificationTestBed.confirmed(candidate, session: session), exchange: .events)]))
        try await bed.drain()
        func content() throws -> (recipient: String?, message: String?, status: String) {
            let row = try #require(try bed.admin.query(
                "SELECT recipient, message, status FROM notifications.deliveries WHERE candidate_id = $1", [candidate.id]
            ).first)
            return (try row.decode("recipient"), try row.decode("message"), try row.decode("status"))
        }
        #expect(try content().status == "sent")

        bed.advance(by: 29 * 86_400)
        try await ForgetOldEmails.run(bed.environment, settings: settings)
        #expect(try content().recipient == candidate.contact.email)
        #expect(try content().message?.contains("Your seat is booked") == true)

        bed.advance(by: 2 * 86_400)
        try await ForgetOldEmails.run(bed.environment, settings: settings)
        let forgotten = try content()
        #expect(forgotten.recipient == nil && forgotten.message == nil)
        #expect(forgotten.status == "sent", "what was sent, and when, stays")
    }

    @Test func theRetentionIsConfiguredInDays() throws {
        let configuration = try ServiceConfiguration.load(service: "notifications", defaultHTTPPort: 8084, environment: ["EXAMHALL_ENV": "development"])
        #expect(try NotificationSettings.load(configuration, environment: [:]).emailRetentionDays == 90)
        #expect(try NotificationSettings.load(configuration, environment: ["EXAMHALL_EMAIL_RETENTION_DAYS": "7"]).emailRetentionDays == 7)
        #expect(throws: (any Error).self) { try NotificationSettings.load(configuration, environment: ["EXAMHALL_EMAIL_RETENTION_DAYS": "0"]) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(DeliveryRules.retentionCutoff(now: now, days: 30) == now.addingTimeInterval(-30 * 86_400))
    }
}
