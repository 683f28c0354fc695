import ExamHallServiceKit
import Foundation

/// The verification service. It starts, migrates and serves /health and /metrics; handlers and routes come next.
public enum VerificationService {
    public static let description = ServiceDescription(
        name: "verification", defaultHTTPPort: 8083,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!
    )

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        ServiceComponents()
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
