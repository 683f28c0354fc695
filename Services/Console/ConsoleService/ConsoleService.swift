import ExamHallModels
import ExamHallServiceKit
import Foundation
import Hummingbird

/// The console: the web front end for staff and candidates. It signs people in, signs short-lived
/// tokens for them, and acts through the services' HTTP APIs; it learns candidates from events.
public enum ConsoleService {
    public static let description = ServiceDescription(
        name: "console", defaultHTTPPort: 8080,
        migrationsDirectory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!, verifiesBearerTokens: false
    )

    /// What the service consumes: its handlers by exchange and routing key (the bindings of its inbox).
    public static func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.register(RecordCandidateOnAuthorizationOpened())
        handlers.register(RecordCandidateOnCandidateUpdated(), from: .inbound)
        handlers.register(EraseCandidateOnErasureRequested(), from: .inbound)
        return handlers
    }

    static func components(_ environment: ServiceEnvironment, configuration: ConsoleConfiguration, mail: MailSettings, renderer: PageRenderer) -> ServiceComponents {
        let keys = SigningKeys(database: environment.database, configuration: configuration, clock: environment.clock, logger: environment.logger)
        let gate = SignInGate(database: environment.database, configuration: configuration, clock: environment.clock)
        let client = ServiceClient(urls: configuration.services, keys: keys, logger: environment.logger)
        let clock = environment.clock
        let database = environment.database
        let logger = environment.logger
        let mailer = ConsoleMailer(settings: mail)
        return ServiceComponents(
            handlers: handlers(),
            jobs: [
                PeriodicJob(name: "signing-keys", interval: .seconds(60)) { try await keys.refresh() },
                PeriodicJob(name: "sign-in-housekeeping", interval: .seconds(300)) {
                    let now = clock()
                    try await database.withConnection {
                        try SignInSessionStore(connection: $0).deleteExpired(
                            createdBefore: now.addingTimeInterval(-configuration.absoluteTimeout),
                            idleSince: now.addingTimeInterval(-configuration.idleTimeout),
                            failuresBefore: now.addingTimeInterval(-SignInThrottle.window)
                        )
                    }
                },
            ],
            routes: { router in
                IdentityRoutes(keys: keys, configuration: configuration).add(to: router)
                StaticFiles.add(to: router)
                router.add(middleware: PageMiddleware(renderer: renderer))
                router.add(middleware: RateLimitMiddleware(name: "public-sign-in", perMinute: configuration.publicRatePerMinute) { request in
                    SignInPaths.reachableByStrangers(request)
                })
                let signIn = SignInController(gate: gate, renderer: renderer, clock: clock)
                signIn.add(to: router)
                CandidateSignInController(gate: gate, renderer: renderer, signIn: signIn, mailer: mailer, clock: clock).add(to: router)
                let candidatePages = CandidatePages(gate: gate, renderer: renderer, client: client, clock: clock)
                CandidateHomeController(pages: candidatePages).add(to: router)
                CandidateBookController(pages: candidatePages).add(to: router)
                CandidateBookingsController(pages: candidatePages, organizerEmail: mail.fromAddress).add(to: router)
                CandidateResultsController(pages: candidatePages).add(to: router)
                ProctorSessionsController(gate: gate, renderer: renderer, client: client, clock: clock).add(to: router)
                ProctorReportController(gate: gate, renderer: renderer, client: client).add(to: router)
                AccountController(gate: gate, renderer: renderer, keys: keys).add(to: router)
                CalendarController(gate: gate, renderer: renderer, client: client, clock: clock).add(to: router)
                LocationsController(gate: gate, renderer: renderer, client: client).add(to: router)
                SessionFormController(gate: gate, renderer: renderer, client: client).add(to: router)
                let sessionPage = SessionPageController(gate: gate, renderer: renderer, client: client)
                sessionPage.add(to: router)
                SessionActionsController(gate: gate, renderer: renderer, client: client, sessionPage: sessionPage).add(to: router)
                BookingActionsController(gate: gate, renderer: renderer, client: client).add(to: router)
                AuthorizationsController(gate: gate, renderer: renderer, client: client).add(to: router)
                VerificationController(gate: gate, renderer: renderer, client: client).add(to: router)
                AccountsController(gate: gate, renderer: renderer, client: client, mailer: mailer, clock: clock).add(to: router)
                PasswordController(gate: gate, renderer: renderer, clock: clock).add(to: router)
                TemplatesController(gate: gate, renderer: renderer, client: client).add(to: router)
                ExportsController(gate: gate, renderer: renderer, client: client).add(to: router)
                CatalogController(gate: gate, renderer: renderer, client: client).add(to: router)
            },
            onStart: {
                try await keys.refresh()
                try await FirstAdmin.ensure(configuration.firstAdmin, database: database, now: clock(), logger: logger)
            }
        )
    }

    public static func main() async {
        let configuration: ConsoleConfiguration
        let mail: MailSettings
        let renderer: PageRenderer
        do {
            configuration = try ConsoleConfiguration.load()
            mail = try MailSettings.load(try ServiceConfiguration.load(description))
            renderer = try await PageRenderer.load()
        } catch {
            FileHandle.standardError.write(Data("examhall-console: \(error)\n".utf8))
            exit(78)
        }
        await ServiceRunner.run(description) { components($0, configuration: configuration, mail: mail, renderer: renderer) }
    }
}
