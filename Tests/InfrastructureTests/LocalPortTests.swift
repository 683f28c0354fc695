import ExamHallTestSupport
import Foundation
import Testing

/// The ports tests name are used when free and replaced when this machine has them taken, the same way
/// every time the name comes up again in a run.
@Suite struct LocalPortTests {
    @Test func aTakenPortIsReplacedByAFreeOneConsistently() throws {
        // Something else on this machine listens on the port a test names.
        let listener = try TCPListenerForTest()
        defer { listener.close() }
        let named = listener.port
        let chosen = LocalPort.resolve(named)
        #expect(chosen != named, "a port something listens on is not handed to a test")
        #expect(LocalPort.resolve(named) == chosen, "the same name gives the same port all run")
        #expect(LocalPort.resolve(chosen) == chosen, "a chosen port named again (a URL built from it) stays itself")
    }
}

/// A plain listening socket on a free port of 127.0.0.1.
struct TCPListenerForTest {
    let socket: Int32
    let port: Int

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1) == 0 else { throw TestStack.Failure(description: "cannot listen on 127.0.0.1") }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
    }

    func close() { _ = Glibc.close(socket) }
}
