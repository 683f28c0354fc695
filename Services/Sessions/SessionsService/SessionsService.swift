import ExamHallServiceKit
import Foundation

/// The sessions service. It starts, migrates and serves /health and /metrics; handlers and routes come next.
public enum SessionsService {
    public static let description = ServiceDescription(
        name: "sessions", defaultHTTPPort: 8081,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!
    )

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        ServiceComponents()
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
