import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Attempts (one per confirmed booking), proctor reports, CSR verdicts and the result export.
/// Today: the attempt projection, the delivery engine's events and no-shows; the HTTP API and the
/// export come next.
public enum VerificationService {
    public static let description = ServiceDescription(
        name: "verification", defaultHTTPPort: 8083,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!
    )

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        var handlers = HandlerRegistry()
        handlers.register(CreateAttemptOnBookingConfirmed())
        handlers.register(CancelAttemptOnBookingCancelled())
        handlers.register(CancelAttemptOnBookingRejected())
        handlers.register(MoveAttemptOnBookingTransferred())
        handlers.register(FollowSessionOnSessionUpdated())
        handlers.register(RecordProctorOnProctorAssigned())
        handlers.register(RecordProctorOnProctorUnassigned())
        handlers.register(RecordPurchaseOnAuthorizationOpened())
        handlers.register(StartAttemptOnDeliveryStarted(), from: .inbound)
        handlers.register(FinishAttemptOnDeliveryFinished(), from: .inbound)
        return ServiceComponents(handlers: handlers, jobs: [MarkNoShows.job(environment)])
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
