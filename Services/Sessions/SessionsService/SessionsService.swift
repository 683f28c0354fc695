import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// The exam catalog, testing locations, sessions, proctors and bookings (with waitlists and the
/// booking saga with the authorizations service).
public enum SessionsService {
    public static let description = ServiceDescription(
        name: "sessions", defaultHTTPPort: 8081,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        appendOnlyTables: ["booking_history", "session_history"]
    )

    /// What the service consumes: its handlers by exchange and routing key (the bindings of its inbox).
    public static func handlers(paymentWindow window: Duration) -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.register(ProjectAuthorizationOpened())
        handlers.register(ProjectAuthorizationAssigned())
        handlers.register(ProjectAuthorizationReleased())
        handlers.register(CancelBookingOnAuthorizationInactivated(paymentWindow: window))
        handlers.register(RejectBookingOnAssignmentRejected(paymentWindow: window))
        handlers.register(RecordAttemptStartOnAttemptStarted())
        handlers.register(CompleteBookingOnAttemptFinished(paymentWindow: window))
        handlers.register(MarkNoShowOnAttemptNoShow(paymentWindow: window))
        handlers.register(CancelBookingOnAttemptVoided(paymentWindow: window))
        handlers.register(UpdateCandidateOnCandidateUpdated(), from: .inbound)
        handlers.register(EraseCandidateOnErasureRequested(), from: .inbound)
        handlers.register(ConfirmBookingOnPaymentCompleted(paymentWindow: window), from: .inbound, answering: true)
        return handlers
    }

    public static func components(_ environment: ServiceEnvironment) -> ServiceComponents {
        let handlers = handlers(paymentWindow: environment.configuration.paymentWindow)
        let catalog = CatalogController(environment: environment)
        let sessions = SessionsController(environment: environment)
        let bookings = BookingsController(environment: environment)
        let proctors = ProctorsController(environment: environment)
        let candidates = CandidatesController(environment: environment)
        let history = HistoryController(environment: environment)
        return ServiceComponents(
            handlers: handlers,
            jobs: [ExpireHeldSeats.job(environment)],
            routes: { router in
                router.add(middleware: RefusalMiddleware())
                catalog.add(to: router)
                sessions.add(to: router)
                bookings.add(to: router)
                proctors.add(to: router)
                candidates.add(to: router)
                history.add(to: router)
            }
        )
    }

    public static func main() async {
        await ServiceRunner.run(description, components: components)
    }
}
