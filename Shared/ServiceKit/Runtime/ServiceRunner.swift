import ExamHallMessaging
import ExamHallStorage
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Starts a service the same way every time: configuration, logs, metrics, migrations, then one
/// `ServiceGroup` with the publisher, outbox relay, jobs, inbox consumer and HTTP server, shut down in
/// reverse order on SIGTERM (HTTP first, publisher last, so in-flight work is finished and published).
public enum ServiceRunner {
    public static func run(_ description: ServiceDescription, components build: @Sendable (ServiceEnvironment) -> ServiceComponents) async {
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration.load(description)
        } catch {
            FileHandle.standardError.write(Data("examhall-\(description.name): \(error)\n".utf8))
            exit(78)
        }
        LoggingBootstrap.bootstrap(level: configuration.logLevel)
        var logger = Logger(label: "examhall.\(description.name)")
        logger[metadataKey: "service"] = .string(description.name)
        switch configuration.mode {
        case .production: logger.info("running in production mode")
        case .development: logger.warning("running in development mode: development secrets, fault injection and plaintext connections are accepted")
        }
        do {
            try await run(description, configuration: configuration, logger: logger, components: build)
        } catch {
            logger.critical("service stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }

    static func run(
        _ description: ServiceDescription, configuration: ServiceConfiguration, logger: Logger,
        components build: @Sendable (ServiceEnvironment) -> ServiceComponents
    ) async throws {
        let registry = MetricsBootstrap.bootstrap()
        if let jwks = configuration.jwksURL {
            logger.info("bearer tokens are verified against published keys", metadata: [
                "jwks": "\(jwks)", "issuer": "\(configuration.tokenPolicy.issuer ?? "")", "audience": "\(configuration.tokenPolicy.audience ?? "")",
            ])
        }
        if !configuration.acceptsSharedSecretTokens {
            logger.info("development tokens (HS256) are refused: EXAMHALL_JWT_SECRET is not set")
        } else if configuration.usesDefaultJWTSecret {
            logger.warning("EXAMHALL_JWT_SECRET is the local development secret; set your own in production")
        }
        let settings = configuration.databaseSettings
        let database = DatabasePool(settings: settings, size: configuration.databasePoolSize, logger: logger)
        do {
            try await migrateWhenReachable(database, owner: configuration.databaseOwnerSettings, description: description, logger: logger)
            try await runServices(description, configuration: configuration, database: database, settings: settings, registry: registry, logger: logger, components: build)
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
        logger.info("stopped")
    }

    private static func runServices(
        _ description: ServiceDescription, configuration: ServiceConfiguration, database: DatabasePool, settings: DatabaseSettings,
        registry: PrometheusCollectorRegistry, logger: Logger, components build: @Sendable (ServiceEnvironment) -> ServiceComponents
    ) async throws {

        let publishedKeys = configuration.jwksURL.map { PublishedKeys(url: $0, logger: logger) }
        let tokens = await TokenAuthority(
            secret: configuration.acceptsSharedSecretTokens ? configuration.jwtSecret : nil, publishedKeys: publishedKeys, policy: configuration.tokenPolicy
        )
        let environment = ServiceEnvironment(
            configuration: configuration, database: database, tokens: tokens, logger: logger,
            faults: FaultHook.fromEnvironment(ProcessInfo.processInfo.environment)
        )
        let components = build(environment)
        try await components.onStart()
        let publisher = AMQPPublisher(endpoint: configuration.amqp, logger: logger)
        let relay = OutboxRelay(settings: settings, publisher: publisher, logger: logger, faults: environment.faults)
        var consumers: [AMQPConsumer] = []
        if !components.handlers.isEmpty {
            let topology = ServiceTopology(service: configuration.service, bindings: components.handlers.bindings, deliveryLimit: configuration.deliveryLimit)
            let processor = InboxProcessor(
                registry: components.handlers, database: database, source: environment.source,
                deliveryLimit: configuration.deliveryLimit, logger: logger, clock: environment.clock, faults: environment.faults
            )
            consumers = (0..<configuration.consumers).map { _ in
                AMQPConsumer(
                    endpoint: configuration.amqp, topology: topology,
                    settings: .init(
                        prefetch: configuration.prefetch, batchSize: configuration.batchSize,
                        retryDelay: RetryDelay(base: configuration.retryBase, maximum: configuration.retryMaximum)
                    ),
                    handler: processor, logger: logger
                )
            }
        }
        var checks = [
            ReadinessCheck(name: "database") { await database.isReachable() },
            ReadinessCheck(name: "broker") { publisher.isConnected },
            // During a broker memory or disk alarm the replica still answers and takes work; what it
            // publishes waits in the outbox. Reported, not counted against readiness.
            ReadinessCheck(name: "publishing", required: false) { !publisher.isBlocked },
        ]
        if !consumers.isEmpty {
            checks.append(ReadinessCheck(name: "consumer") { [consumers] in consumers.allSatisfy(\.isConnected) })
        }
        let application = makeApplication(environment: environment, components: components, checks: checks, registry: registry)

        let kitJobs = [
            RetentionJob.make(database: database, inboxDays: configuration.inboxRetentionDays),
            DeadLetterErasureJob.make(
                database: database, endpoint: configuration.amqp, deadQueue: ServiceTopology(service: configuration.service, bindings: []).deadQueue, logger: logger
            ),
        ]
        let jobs = (components.jobs + kitJobs).map { PeriodicJobService(job: $0, logger: logger) as any Service }
        let services: [any Service] = [publisher, relay] + jobs + consumers + [application]
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The HTTP application: operations routes, then the service's routes behind correlation, problem and
    /// authentication middleware. Tests drive this same application with HummingbirdTesting.
    public static func makeApplication(
        environment: ServiceEnvironment, components: ServiceComponents, checks: [ReadinessCheck],
        registry: PrometheusCollectorRegistry = MetricsBootstrap.bootstrap()
    ) -> Application<RouterResponder<ExamHallRequestContext>> {
        let configuration = environment.configuration
        let router = Router(context: ExamHallRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: CorrelationMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        OperationsRoutes.add(to: router, service: configuration.service, checks: checks, registry: registry)
        router.add(middleware: AuthenticationMiddleware(authority: environment.tokens))
        components.routes(router)
        let logger = environment.logger
        return Application(
            router: router,
            // A connection that sends nothing for the idle time is closed, so idle or stalled clients
            // cannot hold sockets; headers are capped well below NIO's defaults (JSON APIs and forms
            // need a few hundred bytes of them).
            server: .http1(configuration: .init(
                idleTimeout: .seconds(configuration.httpIdleTimeout.components.seconds),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)
            )),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "examhall-\(configuration.service)"),
            onServerRunning: { _ in logger.info("ready", metadata: ["port": "\(configuration.httpPort)"]) },
            logger: logger
        )
    }

    /// Waits for PostgreSQL (containers start in any order), then applies the kit's and the service's
    /// migrations under advisory locks. With an owner role, the owner migrates and then grants the
    /// service's role what it needs (`SchemaPrivileges`); without one, the service's role does both.
    public static func migrateWhenReachable(
        _ database: DatabasePool, owner: DatabaseSettings?, description: ServiceDescription, logger: Logger
    ) async throws {
        let kit = try Migration.load(from: Bundle.module.url(forResource: "Migrations", withExtension: nil)!)
        let own = try Migration.load(from: description.migrationsDirectory)
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(5))
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            do {
                let ownerPool = owner.map { DatabasePool(settings: $0, size: 1, logger: logger) }
                do {
                    let migrating = ownerPool ?? database
                    try await Migrator.migrate(migrating, component: "servicekit", migrations: kit, logger: logger)
                    try await Migrator.migrate(migrating, component: description.name, migrations: own, logger: logger)
                    if let ownerPool, let owner {
                        let role = try await database.withConnection { try $0.query("SELECT current_user AS role")[0].decode("role", as: String.self) }
                        try await ownerPool.withConnection { connection in
                            let ownerRole = try connection.query("SELECT current_user AS role")[0].decode("role", as: String.self)
                            guard ownerRole != role else { return }
                            try SchemaPrivileges.grant(on: connection, schema: owner.schema, to: role, appendOnlyTables: description.appendOnlyTables)
                        }
                    }
                } catch {
                    await ownerPool?.shutdown()
                    throw error
                }
                await ownerPool?.shutdown()
                return
            } catch let error as PostgresError where error.isTransient && ContinuousClock.now < deadline {
                logger.warning("waiting for the database", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff.next())
            }
        }
    }
}
