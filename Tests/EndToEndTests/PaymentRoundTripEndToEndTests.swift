import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// The payment system hears about every paid seat: what it is asked to take payment for, and when a
/// held or paid seat ends. Every message is checked against docs/asyncapi.yaml.
@Suite(.serialized) struct PaymentRoundTripEndToEndTests {
    let prefix = "pay-\(UUID().uuidString.prefix(8).lowercased())"

    init() throws { try TestStack.require() }

    @Test func aPaidSeatIsRequestedWithItsSessionAndEndsWithACancellationOrARefundRequest() async throws {
        let sessions = ServiceProcess("sessions", port: 18081)
        try await sessions.start()
        defer { sessions.stop() }
        let api = try await SessionsDriver([sessions])
        let tap = try EventTap(routingKeys: ["payment.requested", "payment.cancelled", "payment.refund_requested"], exchange: .outbound)

        let exam = try await api.exam()
        let start = Date().addingTimeInterval(5 * 86_400)
        let created = try await api.asCSR("POST", "/sessions", json: """
            {"locationId":"\(try await api.location())","name":"Paid \(prefix)","examCodes":["\(exam)"],
             "availability":{"start":"\(Timestamp.format(start))","end":"\(Timestamp.format(start + 7200))"},"selfEnrollment":true,
             "bookingDeadline":"\(Timestamp.format(start - 86_400))","cancellationDeadline":"\(Timestamp.format(start - 86_400))",
             "capacity":5,"authorizationRequired":false,"price":{"amount":90,"currency":"EUR"}}
            """)
        #expect(created.status == 201, "\(created.text)")
        let session = try #require(created.id)

        // One candidate holds a seat and cancels before paying.
        let unpaid = try await api.book(session, candidate: "cand-\(prefix)-a")
        #expect(unpaid.json["status"] as? String == "awaiting-payment", "\(unpaid.text)")
        let unpaidId = try #require(unpaid.id)
        #expect(try await api.call("POST", "/bookings/\(unpaidId)/cancel", as: try await api.token(.candidate, "cand-\(prefix)-a")).status == 200)

        // Another pays, and a CSR cancels the paid booking.
        let paid = try await api.book(session, candidate: "cand-\(prefix)-b")
        let paidId = try #require(paid.id)
        let publisher = try TestPublisher()
        try publisher.publish(PaymentCompleted(paymentId: "PAY-\(prefix)", bookingId: paidId, amount: 90, currency: "EUR"))
        try publisher.confirm()
        let confirmed = try await eventually(timeout: .seconds(60), { try await api.asCSR("GET", "/bookings/\(paidId)").json["status"] as? String }, until: { $0 == "confirmed" })
        #expect(confirmed == "confirmed")
        #expect(try await api.asCSR("POST", "/bookings/\(paidId)/cancel", json: #"{"reason":"exam centre closed"}"#).status == 200)

        let ours: Set<String> = [unpaidId, paidId]
        func mine(_ deliveries: [Delivery]) -> [Delivery] {
            deliveries.filter { delivery in
                guard let object = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                      let data = object["data"] as? [String: Any], let booking = data["bookingId"] as? String else { return false }
                return ours.contains(booking)
            }
        }
        let received = mine(try tap.drain(quiet: .seconds(3), timeout: .seconds(60)) { mine($0).count >= 4 })
        #expect(received.map(\.routingKey).sorted() == ["payment.cancelled", "payment.refund_requested", "payment.requested", "payment.requested"])
        for delivery in received {
            let violations = try AsyncAPIContract.violations(of: delivery.body, channel: "examhall.outbound/\(delivery.routingKey)")
            #expect(violations.isEmpty, "\(delivery.routingKey): \(violations)")
        }

        let requests = received.filter { $0.routingKey == "payment.requested" }.compactMap { try? EnvelopeDecoder.decode(PaymentRequested.self, from: $0.body) }
        let request = try #require(requests.first { $0.data.bookingId == unpaidId })
        #expect(request.data.examCode == exam)
        #expect(request.data.session?.name == "Paid \(prefix)")
        #expect(request.data.session?.locationName == "Lyon")
        #expect(request.data.session?.timeZone == "Europe/Paris")
        #expect(abs((request.data.session?.start ?? .distantPast).timeIntervalSince(start)) < 1)
        #expect(request.data.candidate?.email == "cand-\(prefix)-a@example.org")
        #expect(request.data.amount == 90 && request.data.currency == "EUR")

        let cancelled = try #require(received.first { $0.routingKey == "payment.cancelled" })
        #expect(try EnvelopeDecoder.decode(PaymentCancelled.self, from: cancelled.body).data.bookingId == unpaidId)
        let refund = try EnvelopeDecoder.decode(PaymentRefundRequested.self, from: try #require(received.first { $0.routingKey == "payment.refund_requested" }).body)
        #expect(refund.data.bookingId == paidId)
        #expect(refund.data.paymentId == "PAY-\(prefix)")
        #expect(refund.data.reason == "exam centre closed")
    }
}
