import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import VerificationService

/// Reports, verdicts, results and the export through the application production builds.
@Suite(.serialized) struct VerificationRoutesTests {
    let environment: ServiceEnvironment
    let components: ServiceComponents
    let processor: InboxProcessor
    let admin: PGConnection

    init() async throws {
        environment = try await ServiceHarness.environment(for: VerificationService.description)
        components = VerificationService.components(environment)
        processor = ServiceHarness.processor(environment, components: components)
        admin = try TestStack.adminDatabase()
    }

    struct Scenario {
        let attemptId: String
        let candidateId: String
        let sessionId: String
        let proctorId: String
        let purchaseId: String
        let authorizationId: String?
    }

    /// A booking (with an authorization unless told otherwise), an assigned proctor, and a finished attempt.
    /// Without `purchaseKnown`, the authorization's `authorization.opened` has not arrived yet.
    func finishedAttempt(connected: Bool = true, finished: Bool = true, purchaseKnown: Bool = true) async throws -> Scenario {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let authorizationId = connected ? "auth-\(suffix)" : nil
        let booking = BookingRef(
            bookingId: UUID().uuidString.lowercased(), sessionId: "session-\(suffix)", candidateId: "cand-\(suffix)", examCode: "CLOUD-101",
            authorizationId: authorizationId
        )
        let start = Date() - 7200
        let session = SessionSnapshot(
            sessionId: booking.sessionId, name: "Morning", examCodes: ["CLOUD-101"], locationId: "loc", locationName: "Paris", address: "1 rue",
            timeZone: "Europe/Paris", room: nil, deliveryPreference: "in-person", start: start, end: start + 7200, instructions: nil, additionalInstructions: nil
        )
        var deliveries: [Delivery] = []
        if let authorizationId, purchaseKnown {
            deliveries.append(try authorizationOpened(authorizationId, purchaseId: "P-\(suffix)", candidateId: booking.candidateId))
        }
        deliveries.append(try .of(BookingConfirmed(
            booking: booking, session: session, candidate: CandidateContact(name: "Ada", email: "ada@example.org", language: "en", timeZone: "UTC"),
            confirmedAt: Date(), actor: .candidate, fromWaitlist: false
        ), exchange: .events))
        deliveries.append(try .of(ProctorAssigned(sessionId: booking.sessionId, proctorId: "proctor-\(suffix)", proctorName: "Pat", start: start, end: start + 7200), exchange: .events))
        if finished {
            deliveries.append(try .of(DeliveryAttemptFinished(bookingId: booking.bookingId, finishedAt: start + 3600, score: 78, maxScore: 100, passed: true)))
        }
        #expect(await processor.handle(deliveries) == .settled(deliveries.map { _ in .ack }))
        return Scenario(
            attemptId: booking.bookingId, candidateId: booking.candidateId, sessionId: booking.sessionId, proctorId: "proctor-\(suffix)",
            purchaseId: "P-\(suffix)", authorizationId: authorizationId
        )
    }

    func authorizationOpened(_ authorizationId: String, purchaseId: String, candidateId: String) throws -> Delivery {
        try .of(AuthorizationOpened(
            ref: AuthorizationRef(authorizationId: authorizationId, purchaseId: purchaseId, candidateId: candidateId, examCode: "CLOUD-101"),
            validUntil: nil, candidate: Fixtures.candidate(candidateId)
        ), exchange: .events)
    }

    func token(_ role: Role, _ subject: String) async throws -> String {
        try await environment.tokens.sign(Principal(subject: subject, role: role))
    }

    func problem(_ reply: JSONReply) -> String? {
        (reply.json["type"] as? String).map { String($0.split(separator: "/").last ?? "") }
    }

    func exportedEvents(_ attemptId: String) throws -> [(messageId: String, exchange: String, data: [String: Any])] {
        try admin.query("SELECT message_id, exchange, body FROM verification.outbox WHERE routing_key = 'result.verified' AND body LIKE $1", ["%\(attemptId)%"]).map { row in
            let body = try JSONSerialization.jsonObject(with: Data((try row.decode("body", as: String.self)).utf8)) as? [String: Any]
            return (try row.decode("message_id"), try row.decode("exchange"), body?["data"] as? [String: Any] ?? [:])
        }
    }

    @Test func reportVerdictResultAndExactlyOneExport() async throws {
        let scenario = try await finishedAttempt()
        let application = ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
        let (proctor, csr, candidate) = (try await token(.proctor, scenario.proctorId), try await token(.csr, "csr-1"), try await token(.candidate, scenario.candidateId))
        try await application.test(.router) { client in
            let early = try await client.call(.get, "/attempts/\(scenario.attemptId)/result", as: candidate)
            #expect(early.status == .conflict)
            #expect(problem(early) == "not-verified-yet")

            let report = try await client.call(.post, "/attempts/\(scenario.attemptId)/report", as: proctor, json: """
                {"incidents":[{"at":"\(Timestamp.format(Date()))","category":"noise","description":"fire alarm test"}],"notes":"calm otherwise","rating":4}
                """)
            #expect(report.status == .ok)
            let queue = try await client.call(.get, "/attempts?awaitingVerdict=true&sessionId=\(scenario.sessionId)", as: csr)
            #expect((queue.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [scenario.attemptId])
            #expect(queue.json["total"] as? Int == 1)

            let verdict = try await client.call(.post, "/attempts/\(scenario.attemptId)/verdict", as: csr, json: #"{"verdict":"positive","comment":"clean"}"#)
            #expect(verdict.status == .ok)
            let second = try await client.call(.post, "/attempts/\(scenario.attemptId)/verdict", as: csr, json: #"{"verdict":"negative"}"#)
            #expect(second.status == .conflict)
            #expect(problem(second) == "already-verified")
            let locked = try await client.call(.post, "/attempts/\(scenario.attemptId)/report", as: proctor, json: #"{"rating":1}"#)
            #expect(problem(locked) == "report-locked")

            let result = try await client.call(.get, "/attempts/\(scenario.attemptId)/result", as: candidate)
            #expect(result.status == .ok)
            #expect(result.json["verdict"] as? String == "positive")
            #expect(result.json["score"] as? Double == 78)

            let shown = try await client.call(.get, "/attempts/\(scenario.attemptId)", as: csr)
            #expect((shown.json["audit"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["booked", "finished", "report", "verdict"])

            // Two runs (as two replicas would): one export, on examhall.outbound, with the stable id.
            #expect(try await client.call(.post, "/exports/run", as: try await token(.admin, "admin")).status == .ok)
            _ = try await ExportResults.runOnce(environment)
            let exports = try await client.call(.get, "/exports", as: csr)
            let line = (exports.json["items"] as? [[String: Any]])?.first { $0["attemptId"] as? String == scenario.attemptId }
            #expect(line?["state"] as? String == "pending")
            let counts = exports.json["counts"] as? [String: Int] ?? [:]
            #expect(exports.json["total"] as? Int == counts.values.reduce(0, +), "unfiltered, the total is every verified result")
            let pending = try await client.call(.get, "/exports?state=pending&limit=1", as: csr)
            #expect(pending.json["total"] as? Int == counts["pending"] && (pending.json["items"] as? [[String: Any]])?.count == 1)
            #expect(pending.json["limit"] as? Int == 1 && pending.json["counts"] as? [String: Int] == counts, "counts do not depend on the page")
            #expect(try await client.call(.get, "/exports?state=lost", as: csr).status == .badRequest)
            #expect(try await client.call(.get, "/exports?limit=1001", as: csr).status == .badRequest)
            #expect(try await client.call(.post, "/exports/run", as: csr).status == .forbidden)
        }
        let events = try exportedEvents(scenario.attemptId)
        #expect(events.count == 1)
        #expect(events.first?.messageId == "result-verified-\(scenario.attemptId)")
        #expect(events.first?.exchange == "examhall.outbound")
        let data = try #require(events.first?.data)
        #expect(data["purchaseId"] as? String == scenario.purchaseId)
        #expect(data["candidateExternalId"] as? String == scenario.candidateId)
        #expect(data["examCode"] as? String == "CLOUD-101")
        #expect(data["score"] as? Double == 78)
        #expect(data["proctorRating"] as? Int == 4)
        #expect(data["verdict"] as? String == "positive")
    }

    @Test func onlyConnectedFinishedVerifiedAttemptsAreExported() async throws {
        let withoutAuthorization = try await finishedAttempt(connected: false)
        let unfinished = try await finishedAttempt(finished: false)
        let unverified = try await finishedAttempt()
        let application = ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
        let csr = try await token(.csr, "csr-1")
        try await application.test(.router) { client in
            #expect(try await client.call(.post, "/attempts/\(withoutAuthorization.attemptId)/verdict", as: csr, json: #"{"verdict":"positive"}"#).status == .ok)
            let notFinished = try await client.call(.post, "/attempts/\(unfinished.attemptId)/verdict", as: csr, json: #"{"verdict":"positive"}"#)
            #expect(problem(notFinished) == "attempt-not-finished")
        }
        _ = try await ExportResults.runOnce(environment)
        for scenario in [withoutAuthorization, unfinished, unverified] {
            #expect(try exportedEvents(scenario.attemptId).isEmpty, "\(scenario)")
        }
    }

    /// A result whose authorization's purchase has not arrived yet is not claimed: it cannot hold back
    /// results verified after it, however many wait, and it goes out once `authorization.opened` arrives.
    @Test func aResultWaitingForItsPurchaseDoesNotHoldBackTheOthers() async throws {
        let waiting = try await finishedAttempt(purchaseKnown: false)
        let ready = try await finishedAttempt()
        while try await ExportResults.runOnce(environment) > 0 {}  // whatever earlier tests left due
        let application = ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
        let csr = try await token(.csr, "csr-1")
        try await application.test(.router) { client in
            for scenario in [waiting, ready] {
                let verdict = try await client.call(.post, "/attempts/\(scenario.attemptId)/verdict", as: csr, json: #"{"verdict":"positive"}"#)
                #expect(verdict.status == .ok)
            }
        }

        // A batch of one: the older verdict waits, the newer one goes out.
        #expect(try await ExportResults.runOnce(environment, limit: 1) == 1)
        #expect(try exportedEvents(waiting.attemptId).isEmpty)
        #expect(try exportedEvents(ready.attemptId).map(\.messageId) == ["result-verified-\(ready.attemptId)"])
        #expect(try await ExportResults.runOnce(environment, limit: 1) == 0)

        let opened = try authorizationOpened(try #require(waiting.authorizationId), purchaseId: waiting.purchaseId, candidateId: waiting.candidateId)
        #expect(await processor.handle([opened]) == .settled([.ack]))
        #expect(try await ExportResults.runOnce(environment) == 1)
        let late = try exportedEvents(waiting.attemptId)
        #expect(late.map(\.messageId) == ["result-verified-\(waiting.attemptId)"])
        #expect(late.first?.data["purchaseId"] as? String == waiting.purchaseId)
        for scenario in [waiting, ready] {
            let announced = try admin.query(
                "SELECT count(*) AS n FROM verification.outbox WHERE routing_key = 'result.exported' AND body LIKE $1", ["%\(scenario.attemptId)%"]
            )[0].decode("n", as: Int.self)
            #expect(announced == 1, "one result.exported for \(scenario.attemptId)")
            let audit = try admin.query(
                "SELECT detail FROM verification.attempt_audit WHERE attempt_id = $1::uuid AND action = 'exported'", [scenario.attemptId]
            ).map { try $0.decode("detail", as: String.self) }
            #expect(audit == ["result-verified-\(scenario.attemptId)"])
        }
    }

    @Test func rolesKeepReportsVerdictsAndResultsApart() async throws {
        let scenario = try await finishedAttempt()
        let other = try await finishedAttempt()
        let application = ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
        try await application.test(.router) { client in
            let stranger = try await client.call(.post, "/attempts/\(scenario.attemptId)/report", as: try await token(.proctor, other.proctorId), json: #"{"rating":3}"#)
            #expect(stranger.status == .forbidden)
            #expect(problem(stranger) == "proctor-not-assigned")
            let byCandidate = try await client.call(.post, "/attempts/\(scenario.attemptId)/verdict", as: try await token(.candidate, scenario.candidateId), json: #"{"verdict":"positive"}"#)
            #expect(byCandidate.status == .forbidden)
            _ = try await client.call(.post, "/attempts/\(scenario.attemptId)/verdict", as: try await token(.csr, "csr"), json: #"{"verdict":"negative"}"#)
            let foreign = try await client.call(.get, "/attempts/\(scenario.attemptId)/result", as: try await token(.candidate, other.candidateId))
            #expect(foreign.status == .notFound)
            let theirList = try await client.call(.get, "/attempts", as: try await token(.proctor, other.proctorId))
            #expect((theirList.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [other.attemptId])
            let ownView = try await client.call(.get, "/attempts/\(scenario.attemptId)", as: try await token(.candidate, scenario.candidateId))
            #expect(ownView.status == .ok)
            #expect(ownView.json["score"] == nil, "scores reach candidates only through /result")
        }
    }

    @Test func theAssignedProctorMarksStartAndFinishOfAnInPersonAttempt() async throws {
        let scenario = try await finishedAttempt(finished: false)
        let other = try await finishedAttempt(finished: false)
        let application = ServiceRunner.makeApplication(environment: environment, components: components, checks: [])
        let proctor = try await token(.proctor, scenario.proctorId)
        try await application.test(.router) { client in
            let stranger = try await client.call(.post, "/attempts/\(scenario.attemptId)/start", as: try await token(.proctor, other.proctorId))
            #expect(stranger.status == .forbidden)
            #expect(problem(stranger) == "proctor-not-assigned")
            let byCandidate = try await client.call(.post, "/attempts/\(scenario.attemptId)/finish", as: try await token(.candidate, scenario.candidateId), json: #"{"score":1,"maxScore":1,"passed":true}"#)
            #expect(byCandidate.status == .forbidden)

            let started = try await client.call(.post, "/attempts/\(scenario.attemptId)/start", as: proctor)
            #expect(started.status == .ok)
            #expect(started.json["status"] as? String == "started")
            #expect(try await client.call(.post, "/attempts/\(scenario.attemptId)/start", as: proctor).status == .ok, "marking again changes nothing")

            let future = Timestamp.format(Date() + 3600)
            let invalid = try await client.call(.post, "/attempts/\(scenario.attemptId)/finish", as: proctor, json: #"{"at":"\#(future)","score":120,"maxScore":100,"passed":true}"#)
            #expect(invalid.status == .unprocessableContent)
            let fields = (invalid.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            #expect(Set(fields) == ["at", "score"], "\(invalid.json)")

            let finished = try await client.call(.post, "/attempts/\(scenario.attemptId)/finish", as: proctor, json: #"{"score":64,"maxScore":80,"passed":true}"#)
            #expect(finished.status == .ok)
            #expect(finished.json["status"] as? String == "finished")
            #expect(finished.json["score"] as? Double == 64)
            let again = try await client.call(.post, "/attempts/\(scenario.attemptId)/finish", as: proctor, json: #"{"score":10,"maxScore":80,"passed":false}"#)
            #expect(again.status == .conflict)
            #expect(problem(again) == "attempt-finished")

            let shown = try await client.call(.get, "/attempts/\(scenario.attemptId)", as: try await token(.csr, "csr-1"))
            let audit = (shown.json["audit"] as? [[String: Any]]) ?? []
            #expect(audit.compactMap { $0["action"] as? String } == ["booked", "started", "finished"])
            #expect(audit.dropFirst().allSatisfy { $0["actor"] as? String == "proctor:\(scenario.proctorId)" })
        }
        let internalEvents = try admin.query(
            "SELECT routing_key FROM verification.outbox WHERE routing_key IN ('attempt.started', 'attempt.finished') AND body LIKE $1 ORDER BY id",
            ["%\(scenario.attemptId)%"]
        ).map { try $0.decode("routing_key", as: String.self) }
        #expect(internalEvents == ["attempt.started", "attempt.finished"])
    }
}
