import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The owner of exam authorizations: purchases in, Open → Assigned → Inactive, events out.
public enum AuthorizationsService {
    public static let description = ServiceDescription(
        name: "authorizations", defaultHTTPPort: 8082,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        appendOnlyTables: ["authorization_history"]
    )

    /// What the service consumes: its handlers by exchange and routing key (the bindings of its inbox).
    public static func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.register(OpenAuthorizationOnPurchaseCompleted(), from: .inbound, answering: true)
        handlers.register(InactivateAuthorizationOnPurchaseRefunded(), from: .inbound, answering: true)
        handlers.register(UpdateCandidateOnCandidateUpdated(), from: .inbound, answering: true)
        handlers.register(EraseCandidateOnErasureRequested(), from: .inbound, answering: true)
        handlers.register(AssignAuthorizationOnBookingConfirmed())
        handlers.register(ReleaseAuthorizationOnBookingCancelled())
        handlers.register(ReleaseAuthorizationOnBookingRejected())
        handlers.register(FollowBookingOnBookingTransferred())
        handlers.register(FollowSessionOnSessionUpdated())
        handlers.register(MarkUsedOnAttemptStarted())
        handlers.register(ReleaseAuthorizationOnAttemptVoided())
        handlers.register(ReleaseOrForfeitOnBookingNoShow())
        return handlers
    }

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        let handlers = handlers()
        let controller = AuthorizationsController(environment: environment)
        return ServiceComponents(
            handlers: handlers,
            jobs: [ExpireAuthorizations.job(environment, interval: environment.configuration.expiryInterval)],
            routes: { router in controller.add(to: router) }
        )
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
