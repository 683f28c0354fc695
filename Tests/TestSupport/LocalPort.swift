import Foundation
import Synchronization

/// The local TCP port a test's process listens on. Tests name ports (`ServiceProcess("sessions", port:
/// 18081)`) so that a failing run's logs are easy to follow; on a machine where a named port is taken,
/// this run uses another, free one instead, the same one every time that name comes up again.
public enum LocalPort {
    private static let chosen = Mutex<[Int: Int]>([:])

    /// This run's port for the port a test names.
    public static func resolve(_ named: Int) -> Int {
        chosen.withLock { chosen in
            if let port = chosen[named] { return port }
            let taken = Set(chosen.values)
            // A port this run already chose, named again (a URL built from it, then its process).
            if taken.contains(named) { return named }
            // Below the kernel's range for outgoing connections (32768 and up), so that no client
            // socket takes the port between choosing it and the process binding it.
            let candidates = [named] + Array(stride(from: 20_000 + Int.random(in: 0..<5_000), to: 30_000, by: 1))
            let port = candidates.first { !taken.contains($0) && isFree($0) } ?? named
            chosen[named] = port
            return port
        }
    }

    /// Whether nothing listens on `port` of 127.0.0.1 (binding it succeeds).
    static func isFree(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
