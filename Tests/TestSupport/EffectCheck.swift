/// The chaos suite's verdict on one kind of effect, in the manner of RabbitMQ's Jepsen checker: given
/// the keys the generator sent and the key of every effect observed (an authorization's purchase id, an
/// email's recipient, an exported attempt), it counts what was lost, what happened more than once and
/// what nobody asked for. A run passes only when all three are zero.
public struct EffectCheck: CustomStringConvertible, Sendable {
    public let effect: String
    public let expected: Int
    public let observed: Int
    /// Sent, never seen.
    public let lost: [String]
    /// Seen more than once, with how many times.
    public let duplicated: [String: Int]
    /// Seen, never sent.
    public let unexpected: [String]

    public init(_ effect: String, expected: some Sequence<String>, observed: some Sequence<String>) {
        let sent = Set(expected)
        var counts: [String: Int] = [:]
        var total = 0
        for key in observed {
            counts[key, default: 0] += 1
            total += 1
        }
        self.effect = effect
        self.expected = sent.count
        self.observed = total
        lost = sent.filter { counts[$0] == nil }.sorted()
        duplicated = counts.filter { sent.contains($0.key) && $0.value > 1 }
        unexpected = counts.keys.filter { !sent.contains($0) }.sorted()
    }

    public var isExact: Bool { lost.isEmpty && duplicated.isEmpty && unexpected.isEmpty }

    public var description: String {
        var text = "\(effect): \(expected) expected, \(observed) observed, \(lost.count) lost, \(duplicated.count) duplicated, \(unexpected.count) unexpected"
        if !lost.isEmpty { text += "; lost e.g. \(lost.prefix(3).joined(separator: ", "))" }
        if !duplicated.isEmpty { text += "; duplicated e.g. \(duplicated.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key)×\($0.value)" }.joined(separator: ", "))" }
        if !unexpected.isEmpty { text += "; unexpected e.g. \(unexpected.prefix(3).joined(separator: ", "))" }
        return text
    }
}
