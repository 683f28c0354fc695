/// Splits a batch into rounds in which no key appears twice, keeping the batch's order: the first
/// occurrence of every key goes in the first round, the second in the next, and so on. A batch
/// written set-based is decided on what was read before the round; an item whose key came earlier
/// in the batch must wait for a later round to see that earlier item's effect.
public enum DistinctRounds {
    /// The indices of `items`, round by round.
    public static func of<Item, Key: Hashable>(_ items: [Item], key: (Item) -> Key) -> [[Int]] {
        var occurrences: [Key: Int] = [:]
        var rounds: [[Int]] = []
        for (index, item) in items.enumerated() {
            let round = occurrences[key(item), default: 0]
            occurrences[key(item)] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(index)
        }
        return rounds
    }
}
