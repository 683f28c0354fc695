import ExamHallServiceKit
import ExamHallTestSupport
import Foundation
import Testing

/// A broker memory alarm in the middle of a 5,000-purchase run: while it holds publishers the service
/// keeps answering, applies what is already queued and keeps its events in the outbox; readiness says
/// the truth (ready, publishing held); once the alarm clears everything goes out by itself, and each
/// purchase is applied exactly once.
@Suite(.serialized) struct BrokerAlarmTests {
    @Test func aMemoryAlarmRaisedAndClearedMidRunLosesAndRepeatsNothing() async throws {
        let flow = try PurchaseFlow()
        try await flow.bindInbox(port: 18271)
        try flow.publish(2_500)
        try TestStack.control("broker-alarm", "on")
        defer { try? TestStack.control("broker-alarm", "off") }

        let service = ServiceProcess("authorizations", port: 18271)
        try await service.start()
        defer { service.stop() }
        // The queued purchases are applied; their events cannot leave, and readiness says so.
        func readiness() async throws -> (status: Int, body: [String: String]) {
            let (status, body) = try await service.get("/health/ready")
            return (status, (try JSONSerialization.jsonObject(with: body) as? [String: String]) ?? [:])
        }
        let held = try await eventually(timeout: .seconds(60), { try await readiness() }, until: { $0.body["publishing"] == "down" })
        #expect(held.status == 200 && held.body["status"] == "ready", "a replica held by the alarm still serves: \(held)")
        #expect(held.body["broker"] == "up" && held.body["database"] == "up" && held.body["consumer"] == "up", "\(held)")
        let applied = try await eventually(timeout: .seconds(60), { try flow.applied() }, until: { $0 >= 2_500 })
        #expect(applied == 2_500)
        #expect(try flow.unsent() > 0, "their events wait in the outbox")
        let token = try await TokenAuthority(secret: ServiceConfiguration.localJWTSecret).sign(Principal(subject: "csr-alarm", role: .csr))
        #expect(try await service.get("/authorizations?limit=1", token: token).status == 200, "reads are answered during the alarm")
        #expect(try await service.metric("examhall_dependency_up{dependency=\"publishing\"}") == 0)

        try TestStack.control("broker-alarm", "off")
        try flow.publish(2_500)
        try await flow.waitUntilSettled()
        let after = try await readiness()
        #expect(after.status == 200 && after.body["publishing"] == "up", "\(after)")
        #expect(try DeadLetters.count("authorizations") == 0)
        service.stop()
        try flow.expectExact("5,000 purchases with a broker memory alarm raised and cleared in between")
    }
}
