import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Emails to candidates: CSR-managed templates per kind and language, booking emails with the
/// session's instructions and a calendar event, reminders, and reliable delivery over SMTP (or to a
/// folder of `.eml` files when no SMTP server is configured).
public enum NotificationsService {
    public static let description = ServiceDescription(
        name: "notifications", defaultHTTPPort: 8084,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        appendOnlyTables: ["template_history"]
    )

    /// What the service consumes: its handlers by exchange and routing key (the bindings of its inbox).
    public static func handlers(settings: NotificationSettings) -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.register(RecordContactOnAuthorizationOpened())
        handlers.register(RecordContactOnCandidateUpdated(), from: .inbound)
        handlers.register(EraseCandidateOnErasureRequested(), from: .inbound)
        handlers.register(NotifyOnBookingConfirmed(settings: settings))
        handlers.register(NotifyOnBookingWaitlisted(settings: settings))
        handlers.register(NotifyOnBookingCancelled(settings: settings))
        handlers.register(NotifyOnBookingTransferred(settings: settings))
        handlers.register(NotifyOnBookingRejected(settings: settings))
        handlers.register(NotifyOnBookingExpired(settings: settings))
        handlers.register(NotifyOnSessionUpdated(settings: settings))
        handlers.register(ForgetRemindersOnSessionCancelled())
        handlers.register(NotifyOnPaymentRequested(settings: settings), from: .outbound)
        handlers.register(NotifyOnAttemptVerified(settings: settings))
        return handlers
    }

    public static func components(_ environment: ServiceEnvironment, settings: NotificationSettings) -> ServiceComponents {
        let handlers = handlers(settings: settings)
        let templates = TemplatesController(environment: environment, settings: settings)
        let deliveries = DeliveriesController(environment: environment)
        return ServiceComponents(
            handlers: handlers,
            jobs: [SendReminders.job(environment, settings: settings), ForgetOldEmails.job(environment, settings: settings)] + DeliverySender.jobs(environment, settings: settings),
            routes: { router in
                templates.add(to: router)
                deliveries.add(to: router)
            }
        )
    }

    public static func main() async {
        // The service's own settings are checked before anything starts, like the shared ones.
        let settings: NotificationSettings
        do {
            let configuration = try ServiceConfiguration.load(description)
            settings = try NotificationSettings.load(configuration)
        } catch {
            FileHandle.standardError.write(Data("examhall-\(description.name): \(error)\n".utf8))
            exit(78)
        }
        await ServiceRunner.run(description) { components($0, settings: settings) }
    }
}
