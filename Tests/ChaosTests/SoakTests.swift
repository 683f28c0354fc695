import ExamHallStorage
import ExamHallTestSupport
import Foundation
import Testing

/// A soak: purchases and booking events offered at twice the rate the ingestion benchmark measured
/// (docs/BENCHMARKS.md, median 4,330/s), so the services run flat out and behind, with a slow mail server.
/// Everything is applied and sent exactly once, the queues drain, and the services' memory stays
/// flat (±20 %) from early in the run to its end. End-to-end latencies are reported, not asserted.
@Suite(.serialized) struct SoakTests {
    static let offeredPerSecond = 2 * 4_330

    @Test func fiftyThousandEventsAtTwiceTheBenchmarkedRate() async throws {
        let total = ChaosScale.pick(short: 5_000, full: 50_000)
        let bookings = total / 10
        let sink = SMTPSink(port: 18293, delayMail: 0.02)
        try sink.start()
        defer { sink.stop() }
        let flow = try PurchaseFlow(watchingTheBus: false)
        let authorizations = ServiceProcess("authorizations", port: 18274)
        try await authorizations.start()
        defer { authorizations.stop() }
        let notifications = try await MailFlow.startNotifications(port: 18275, sink: sink)
        defer { notifications.stop() }
        let admin = AdminDatabase()

        let memory = MemorySampler([authorizations, notifications])
        let prefix = flow.prefix
        let session = MailFlow.session(prefix)
        let candidates = (0..<bookings).map { "cand-\(prefix)-mail-\($0)" }
        var purchaseSentAt: [Date] = []
        var bookingSentAt: [String: Date] = [:]
        let purchases = try flow.inboxPublisher()
        let publisher = try TestPublisher(as: "admin")
        let started = ContinuousClock.now
        // A chunk every 100 ms: nine purchases to each booking event.
        let perChunk = Self.offeredPerSecond / 10
        var offered = 0
        var tick = 0
        while offered < total {
            let chunk = min(perChunk, total - offered)
            // One in ten, counted over the whole run so the totals come out exact whatever the chunk size.
            let mail = bookings * (offered + chunk) / total - bookingSentAt.count
            try flow.publish(chunk - mail, over: purchases)
            purchaseSentAt += Array(repeating: Date(), count: chunk - mail)
            for candidate in candidates[bookingSentAt.count..<bookingSentAt.count + mail] {
                try publisher.publish(MailFlow.confirmed(candidate, session: session), exchange: .events)
                bookingSentAt[candidate] = Date()
            }
            try publisher.confirm()
            offered += chunk
            tick += 1
            try await Task.sleep(until: started + .milliseconds(100 * tick))
        }
        let offering = ContinuousClock.now - started
        try #require(bookingSentAt.count == bookings && purchaseSentAt.count == total - bookings, "offered as planned")

        try await flow.waitUntilSettled(timeout: .seconds(1_800))
        let sent = try await eventually(timeout: .seconds(1_800), every: .seconds(1), {
            try admin.query("SELECT count(*)::int AS n FROM notifications.deliveries WHERE candidate_id LIKE $1 AND status = 'sent'", ["cand-\(prefix)-mail-%"])[0]
                .decode("n", as: Int.self)
        }, until: { $0 >= bookings })
        let drained = ContinuousClock.now - started
        let samples = memory.stop()

        #expect(sent == bookings, "emails sent: \(sent) of \(bookings)")
        try flow.expectExact("soak: \(total) events offered at \(Self.offeredPerSecond)/s")
        try await Task.sleep(for: .seconds(2))
        let emails = EffectCheck("soak emails", expected: candidates.map { "\($0)@example.org" }, observed: try sink.recipients().filter { $0.contains(prefix) })
        #expect(emails.isExact, "\(emails)")
        #expect(try TestStack.queueDepth("notifications.inbox") == 0, "notifications inbox drained")

        // Latency from publishing to the effect: the authorization's creation, the email's acceptance.
        let created = try admin.query(
            "SELECT purchase_id, created_at FROM authorizations.authorizations WHERE purchase_id LIKE $1", ["\(prefix)-%"]
        ).map { (Int(try $0.decode("purchase_id", as: String.self).split(separator: "-").last!)!, try $0.decode("created_at", as: Date.self)) }
        let purchaseLatency = created.map { $0.1.timeIntervalSince(purchaseSentAt[$0.0]) }
        let delivered = try admin.query(
            "SELECT candidate_id, sent_at FROM notifications.deliveries WHERE candidate_id LIKE $1 AND status = 'sent'", ["cand-\(prefix)-mail-%"]
        ).map { (try $0.decode("candidate_id", as: String.self), try $0.decode("sent_at", as: Date.self)) }
        let emailLatency = delivered.map { $0.1.timeIntervalSince(bookingSentAt[$0.0]!) }

        let achieved = Double(total) / Self.seconds(offering)
        var report = [String(
            format: "soak %d events (%d purchases, %d booking emails) offered at %d/s, published at %.0f/s (%.1f s), all applied and sent after %.1f s",
            total, total - bookings, bookings, Self.offeredPerSecond, achieved, Self.seconds(offering), Self.seconds(drained)
        )]
        report.append("latency purchase → authorization: \(Percentiles(purchaseLatency)); booking → email accepted: \(Percentiles(emailLatency))")
        for (service, series) in samples {
            let flatness = MemorySampler.flatness(series)
            report.append("\(service) resident memory: \(flatness)")
            #expect(flatness.isFlat, "\(service) memory: \(flatness)")
        }
        print("chaos " + report.joined(separator: "; "))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// p50 / p99 / max of a set of durations in seconds.
struct Percentiles: CustomStringConvertible {
    let sorted: [Double]
    init(_ values: [Double]) { sorted = values.sorted() }

    func at(_ fraction: Double) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
    }

    var description: String {
        String(format: "p50 %.2f s, p99 %.2f s, max %.2f s (n=%d)", at(0.5), at(0.99), sorted.last ?? .nan, sorted.count)
    }
}

/// Samples the resident memory of running services four times a second until stopped.
final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var series: [String: [Int]] = [:]
    private var task: Task<Void, Never>?

    init(_ services: [ServiceProcess]) {
        task = Task { [weak self] in
            while !Task.isCancelled {
                for service in services {
                    guard let kilobytes = service.residentMemoryKB else { continue }
                    self?.lock.withLock { self?.series[service.name, default: []].append(kilobytes) }
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    func stop() -> [(String, [Int])] {
        task?.cancel()
        return lock.withLock { series.sorted { $0.key < $1.key } }
    }

    struct Flatness: CustomStringConvertible {
        let early: Int
        let late: Int
        let peak: Int
        var change: Double { Double(late - early) / Double(max(early, 1)) }
        var isFlat: Bool { abs(change) <= 0.20 }
        var description: String {
            String(format: "%.1f MB early, %.1f MB at the end (%+.0f %%), peak %.1f MB", Double(early) / 1024, Double(late) / 1024, change * 100, Double(peak) / 1024)
        }
    }

    /// The median of the second fifth of the run (once warmed up) against the median of the last fifth.
    static func flatness(_ samples: [Int]) -> Flatness {
        func median(_ slice: ArraySlice<Int>) -> Int { slice.sorted()[slice.count / 2] }
        let fifth = max(samples.count / 5, 1)
        guard samples.count >= 5 else { return Flatness(early: samples.first ?? 0, late: samples.last ?? 0, peak: samples.max() ?? 0) }
        return Flatness(early: median(samples[fifth..<2 * fifth]), late: median(samples[(samples.count - fifth)...]), peak: samples.max() ?? 0)
    }
}
