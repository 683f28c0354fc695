import ExamHallTestSupport
import Foundation
import Testing

/// What a stranger on the network meets at any service's HTTP port: security headers on every answer,
/// errors included, bodies and headers of bounded size, and idle connections closed.
@Suite(.serialized) struct HTTPHardeningTests {
    static let headers = [
        "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    ]

    /// Runs a small Python socket client against the service, for what an HTTP client library will not do.
    static func raw(_ script: String, port: Int) throws -> String {
        let run = try Program.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, String(port)], capture: .both)
        #expect(run.status == 0, "\(run.text)")
        return run.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func everyAnswerCarriesTheSecurityHeadersAndBodiesAndHeadersAreBounded() async throws {
        let service = ServiceProcess("sessions", port: 18188, environment: ["EXAMHALL_HTTP_IDLE_SECONDS": "1"])
        try await service.start()
        defer { service.stop() }
        let token = try Program.run(
            ServiceProcess.binaryDirectory.appendingPathComponent("examhall"), ["token", "--role", "csr", "--subject", "hardening"],
            environment: try TestStack.environment(for: "admin")
        ).text.trimmingCharacters(in: .whitespacesAndNewlines)

        for (path, token, status) in [("/health/live", nil, 200), ("/sessions", nil, 401), ("/no-such-path", token, 404), ("/sessions?limit=0", token, 400)] {
            let reply = try await service.exchange("GET", path, token: token)
            #expect(reply.status == status, "\(path)")
            for (name, value) in Self.headers {
                #expect(reply.headers.first { $0.key.lowercased() == name.lowercased() }?.value == value, "\(path): \(name)")
            }
        }

        // A body over 1 MiB is refused before it is read whole; one just under is read (and validated).
        let padding = String(repeating: "x", count: 1024 * 1024)
        let tooLarge = try await service.send("POST", "/locations", token: token, json: #"{"name":"\#(padding)","address":"a","timeZone":"UTC"}"#)
        #expect(tooLarge.status == 413)
        let problem = try JSONSerialization.jsonObject(with: tooLarge.body) as? [String: Any]
        #expect((problem?["type"] as? String)?.hasSuffix("request-too-large") == true, "\(problem ?? [:])")
        let large = try await service.send("POST", "/locations", token: token, json: #"{"name":"\#(padding.dropLast(100))","address":"a","timeZone":"UTC"}"#)
        #expect(large.status == 422, "validated, not refused for its size")

        // A header of 20 KB: refused (431), or the connection is closed, never served.
        let header = try Self.raw("""
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            s.sendall(b"GET /health/live HTTP/1.1\\r\\nHost: x\\r\\nX-Big: " + b"a" * 20000 + b"\\r\\n\\r\\n")
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    data += chunk
                    if b"\\r\\n\\r\\n" in data: break
            except ConnectionResetError:
                pass
            print(data.split(b"\\r\\n")[0].decode() if data else "closed")
            """, port: service.port)
        #expect(header == "closed" || header.hasPrefix("HTTP/1.1 431") || header.hasPrefix("HTTP/1.1 400"), "\(header)")
        #expect(!header.hasPrefix("HTTP/1.1 200"))

        // A connection that sends nothing is closed by the server after the idle time (1 s here), not left
        // open until the client gives up (10 s).
        let idle = try Self.raw("""
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            try:
                print("closed" if s.recv(1) == b"" else "data")
            except ConnectionResetError:
                print("closed")
            except socket.timeout:
                print("still open")
            """, port: service.port)
        #expect(idle == "closed")
        #expect(try await service.get("/health/live").status == 200, "the service still serves")
    }

    /// What a stranger can make the console do is limited per address: past the limit, 429 with
    /// Retry-After before any work is done; pages that need no work (the sign-in form) stay open.
    @Test func theConsoleLimitsHowOftenOneAddressMayTryToSignIn() async throws {
        let console = ServiceProcess("console", port: 18187, environment: [
            "EXAMHALL_PUBLIC_URL": "http://127.0.0.1:18187", "EXAMHALL_CONSOLE_PUBLIC_RATE_PER_MINUTE": "5",
        ])
        try await console.start()
        defer { console.stop() }
        for attempt in 1...5 {
            let reply = try await console.exchange("GET", "/password/not-a-token-\(attempt)")
            #expect(reply.status != 429, "attempt \(attempt) is within the limit")
        }
        for path in ["/password/not-a-token", "/login/link/not-a-token"] {
            let limited = try await console.exchange("GET", path)
            #expect(limited.status == 429, "\(path)")
            let retryAfter = limited.headers.first { $0.key.lowercased() == "retry-after" }?.value
            #expect(retryAfter.flatMap(Int.init).map { (1...12).contains($0) } == true, "Retry-After: \(retryAfter ?? "none")")
        }
        let limitedSignIn = try await console.exchange("POST", "/login", json: "{}")
        #expect(limitedSignIn.status == 429)
        #expect(try await console.exchange("GET", "/login").status == 200, "the sign-in form itself is not limited")
        let refusals = try await console.metric(#"examhall_rate_limited_total{limit="public-sign-in"}"#)
        #expect(refusals == 3)
    }
}
