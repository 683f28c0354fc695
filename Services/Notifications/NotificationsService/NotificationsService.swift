import ExamHallServiceKit
import Foundation

/// The notifications service. It starts, migrates and serves /health and /metrics; handlers and routes come next.
public enum NotificationsService {
    public static let description = ServiceDescription(
        name: "notifications", defaultHTTPPort: 8084,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!
    )

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        ServiceComponents()
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
