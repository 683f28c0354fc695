/// Runs `count` requests with at most `width` in flight, as that many clients would; the results in
/// index order.
public func concurrently<Result: Sendable>(
    _ count: Int, width: Int = 64, _ request: @escaping @Sendable (Int) async throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: count)
        var next = 0
        func launch() {
            let index = next
            group.addTask { (index, try await request(index)) }
            next += 1
        }
        while next < min(width, count) { launch() }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < count { launch() }
        }
        return results.map { $0! }
    }
}
