import ExamHallTestSupport
import Foundation

/// Kills one of `replicas` with -9 every 2 s (±1 s), in turn, and launches it again at once (it takes
/// requests again once it is ready), until stopped.
final class ReplicaKiller: Sendable {
    private let task: Task<Int, any Error>

    init(_ replicas: [ServiceProcess], seed: UInt64) {
        task = Task {
            var random = SeededGenerator(seed: seed)
            var kills = 0
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1_000...3_000, using: &random)))
                } catch {
                    break  // stopped
                }
                let victim = replicas[kills % replicas.count]
                victim.kill()
                kills += 1
                try victim.launch()
            }
            return kills
        }
    }

    /// Stops killing, waits until every replica is ready again; how many kills there were.
    func stop(_ replicas: [ServiceProcess]) async throws -> Int {
        task.cancel()
        let kills = try await task.value
        for replica in replicas { try await replica.waitUntilReady() }
        return kills
    }
}
