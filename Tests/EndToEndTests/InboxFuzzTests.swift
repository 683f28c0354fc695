import ExamHallMessaging
import ExamHallModels
import ExamHallTestSupport
import Foundation
import Testing

/// Random and malformed envelopes on every service's inbox, through the exchanges the services bind:
/// each ends in the service's dead-letter queue with a reason, nothing stays in an inbox, and every
/// service stays up and ready. The generator is seeded; a failure names the seed to replay it.
@Suite(.serialized) struct InboxFuzzTests {
    /// Each service with a routing key its inbox consumes and the exchange it comes from.
    static let targets: [(service: String, port: Int, exchange: Exchange, routingKey: String)] = [
        ("authorizations", 18240, .inbound, "purchase.completed"),
        ("sessions", 18241, .events, "authorization.opened"),
        ("verification", 18242, .events, "booking.confirmed"),
        ("notifications", 18243, .events, "booking.confirmed"),
    ]
    static let messagesPerTarget = 60

    init() throws {
        try TestStack.require()
        try TestStack.purgeQueues(Self.targets.flatMap { ["\($0.service).inbox", "\($0.service).dead"] })
    }

    @Test func everyMalformedMessageIsDeadLetteredWithAReasonAndNoServiceFalls() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let services = Self.targets.map { ServiceProcess($0.service, port: $0.port) }
        for service in services { try await service.start() }
        defer { for service in services { service.stop() } }

        let publisher = try TestPublisher(as: "admin")
        var expected: [String: Set<String>] = [:]
        for target in Self.targets {
            for index in 0..<Self.messagesPerTarget {
                let id = "fuzz-\(seed)-\(target.service)-\(index)"
                let body = MalformedEnvelope.make(type: target.routingKey, id: id, variant: index, using: &generator)
                try publisher.publishRaw(body, routingKey: target.routingKey, messageId: id, exchange: target.exchange)
                expected[target.service, default: []].insert(id)
            }
        }
        try publisher.confirm()

        for target in Self.targets {
            let wanted = expected[target.service]!
            var reasons: [String: String] = [:]
            _ = try await eventually(timeout: .seconds(90), {
                for letter in try DeadLetters.take(target.service) {
                    reasons[letter.properties.messageId ?? ""] = letter.properties.headers[DeadLetter.reasonHeader]?.stringValue ?? ""
                }
                return reasons.count
            }, until: { _ in wanted.isSubset(of: Set(reasons.keys)) })
            let missing = wanted.subtracting(reasons.keys)
            #expect(missing.isEmpty, "seed \(seed): \(missing.count) messages never reached \(target.service).dead, e.g. \(missing.sorted().prefix(3))")
            // The generator's kinds of damage are told apart, not lumped under one catch-all reason.
            let kinds = Set(reasons.filter { wanted.contains($0.key) }.values.map { $0.prefix(while: { $0 != ":" && $0 != "'" }) })
            #expect(kinds.count >= 3, "seed \(seed): \(target.service) gave only these reasons: \(kinds.sorted())")
            let unexplained = reasons.filter { wanted.contains($0.key) && $0.value.isEmpty }.keys
            #expect(unexplained.isEmpty, "seed \(seed): dead letters of \(target.service) without a reason: \(unexplained.sorted().prefix(3))")
        }
        for (target, service) in zip(Self.targets, services) {
            #expect(service.isRunning, "seed \(seed): examhall-\(target.service) stopped: \(service.logTail(5))")
            #expect(await service.readiness() == 200, "seed \(seed): examhall-\(target.service) is not ready")
            let connection = try AMQPConnection.open(try TestStack.amqp("admin"))
            defer { connection.close() }
            #expect(try connection.declareQueue("\(target.service).inbox", passive: true).messages == 0, "seed \(seed): \(target.service).inbox not drained")
        }
        // Copies routed to more than one inbox end in other services' dead-letter queues as well; later
        // tests must not find them there.
        for service in services { service.stop() }
        for target in Self.targets { _ = try DeadLetters.take(target.service) }
    }
}

/// Bodies a broken or hostile publisher might send: random bytes, JSON that is not an object, deep
/// nesting, invalid UTF-8, and envelopes with fields missing, of the wrong type or absurd.
enum MalformedEnvelope {
    /// `variant` picks the kind of damage in turn, so every kind is sent; the details are random.
    static func make(type: String, id: String, variant: Int, using generator: inout SeededGenerator) -> [UInt8] {
        let valid: [String: Any] = [
            "specversion": "1.0", "id": id, "source": "fuzz", "type": type, "time": "2026-11-24T10:00:00Z",
            "datacontenttype": "application/json", "data": ["candidateId": "c-1", "bookingId": "not-a-uuid"],
        ]
        switch variant % 8 {
        case 0:
            return (0..<Int.random(in: 0..<2_000, using: &generator)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        case 1:
            return Array(["[]", "null", "42", "\"envelope\"", "true", "{", "{\"data\":", ""].randomElement(using: &generator)!.utf8)
        case 2:
            let depth = Int.random(in: 500...20_000, using: &generator)
            return Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
        case 3:
            let json = try! JSONSerialization.data(withJSONObject: valid)
            return Array(json.prefix(Int.random(in: 1..<json.count, using: &generator)))
        case 4:
            // Invalid UTF-8 inside a string value.
            var bytes = Array(#"{"specversion":"1.0","id":"\#(id)","source":"fuzz","type":"\#(type)","data":{"candidateId":""#.utf8)
            bytes += [0xC3, 0x28, 0xFF, 0xFE]
            return bytes + Array(#""}}"#.utf8)
        default:
            var envelope = valid
            let keys = valid.keys.sorted()
            let key = keys[(variant / 8) % keys.count]
            switch (variant % 8, key) {
            case (5, let key) where key != "id": envelope[key] = nil
            case (6, _): envelope[key == "id" ? "data" : key] = 42
            default: envelope[key == "id" ? "data" : key] = oddValue(using: &generator)
            }
            return Array(try! JSONSerialization.data(withJSONObject: envelope))
        }
    }

    static func oddValue(using generator: inout SeededGenerator) -> Any {
        [
            NSNull(), 1e308, -1, Int.max, true, [] as [Any], [:] as [String: Any], "",
            String(repeating: "é", count: Int.random(in: 1...5_000, using: &generator)), ["nested": ["deeper": [1, 2, 3]]],
            "2026-13-45T99:99:99Z", "\u{0000}\u{202E}",
        ].randomElement(using: &generator)!
    }
}
