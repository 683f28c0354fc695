import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Attempts (one per confirmed booking), proctor reports, CSR verdicts, candidates' results and the
/// exactly-once export of verified results to the external system.
public enum VerificationService {
    public static let description = ServiceDescription(
        name: "verification", defaultHTTPPort: 8083,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        appendOnlyTables: ["attempt_audit"]
    )

    /// What the service consumes: its handlers by exchange and routing key (the bindings of its inbox).
    public static func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.register(CreateAttemptOnBookingConfirmed())
        handlers.register(CancelAttemptOnBookingCancelled())
        handlers.register(CancelAttemptOnBookingRejected())
        handlers.register(MoveAttemptOnBookingTransferred())
        handlers.register(FollowSessionOnSessionUpdated())
        handlers.register(RecordProctorOnProctorAssigned())
        handlers.register(RecordProctorOnProctorUnassigned())
        handlers.register(RecordPurchaseOnAuthorizationOpened())
        handlers.register(RecordExamOnExamUpdated())
        handlers.register(StartAttemptOnDeliveryStarted(), from: .inbound, answering: true)
        handlers.register(FinishAttemptOnDeliveryFinished(), from: .inbound, answering: true)
        handlers.register(EraseCandidateOnErasureRequested(), from: .inbound)
        return handlers
    }

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        let handlers = handlers()
        let attempts = AttemptsController(environment: environment)
        return ServiceComponents(
            handlers: handlers,
            jobs: [MarkNoShows.job(environment), ExportResults.job(environment)],
            routes: { router in attempts.add(to: router) }
        )
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
