import Foundation
import Hummingbird
import Prometheus

/// A dependency `/health/ready` checks.
public struct ReadinessCheck: Sendable {
    public let name: String
    /// False for what the body reports without making the replica unready: it still serves requests.
    public let required: Bool
    public let check: @Sendable () async -> Bool
    public init(name: String, required: Bool = true, check: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.required = required
        self.check = check
    }
}

/// `/health/live`, `/health/ready` and `/metrics` for operators; no token needed.
public enum OperationsRoutes {
    public static func add(to router: Router<ExamHallRequestContext>, service: String, checks: [ReadinessCheck], registry: PrometheusCollectorRegistry) {
        router.get("/health/live") { _, _ in
            jsonResponse(.ok, ["status": "live", "service": service])
        }
        router.get("/health/ready") { _, _ in
            let results = await readiness(checks)
            let ready = checks.filter(\.required).allSatisfy { results[$0.name] == "up" }
            var body = results
            body["status"] = ready ? "ready" : "not-ready"
            body["service"] = service
            return jsonResponse(ready ? .ok : .serviceUnavailable, body)
        }
        router.get("/metrics") { _, _ in
            // What /health/ready would say, as gauges, so that Prometheus alerts on a replica not ready.
            let results = await readiness(checks)
            ExamHallMetrics.readiness(
                ready: checks.filter(\.required).allSatisfy { results[$0.name] == "up" }, dependencies: results.mapValues { $0 == "up" }
            )
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }

    private static func readiness(_ checks: [ReadinessCheck]) async -> [String: String] {
        var results: [String: String] = [:]
        await withTaskGroup(of: (String, Bool).self) { group in
            for check in checks { group.addTask { (check.name, await check.check()) } }
            for await (name, ok) in group { results[name] = ok ? "up" : "down" }
        }
        return results
    }

    private static func jsonResponse(_ status: HTTPResponse.Status, _ body: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
