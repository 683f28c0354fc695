import ExamHallMessaging
import ExamHallModels
import ExamHallStorage
import Foundation
import Hummingbird
import Logging

/// What a service's handlers, jobs and routes are built from; the same in production and in tests.
public final class ServiceEnvironment: Sendable {
    public let configuration: ServiceConfiguration
    public let database: DatabasePool
    public let tokens: TokenAuthority
    public let logger: Logger
    /// The time rules are decided at; tests may pin it.
    public let clock: @Sendable () -> Date
    /// Where the chaos suite may break the message path; does nothing otherwise.
    public let faults: FaultHook

    public init(
        configuration: ServiceConfiguration, database: DatabasePool, tokens: TokenAuthority, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, faults: FaultHook = .none
    ) {
        self.configuration = configuration
        self.database = database
        self.tokens = tokens
        self.logger = logger
        self.clock = clock
        self.faults = faults
    }

    /// The CloudEvents `source` of everything this service publishes.
    public var source: String { "examhall-\(configuration.service)" }

    /// An outbox writer for work started by an HTTP request.
    public func outbox(correlationId: String?) -> OutboxWriter {
        OutboxWriter(source: source, correlationId: correlationId, causationId: nil, now: clock())
    }
}

/// A service's fixed facts: its name (also its schema, queue prefix and AMQP user) and migrations.
public struct ServiceDescription: Sendable {
    public let name: String
    public let defaultHTTPPort: Int
    public let migrationsDirectory: URL
    /// Whether its API believes bearer tokens from elsewhere; the console signs its own and does not.
    public let verifiesBearerTokens: Bool
    /// Its history and audit tables: the service's own role may add rows to them, never change or delete one.
    public let appendOnlyTables: [String]

    public init(
        name: String, defaultHTTPPort: Int, migrationsDirectory: URL, verifiesBearerTokens: Bool = true, appendOnlyTables: [String] = []
    ) {
        self.name = name
        self.defaultHTTPPort = defaultHTTPPort
        self.migrationsDirectory = migrationsDirectory
        self.verifiesBearerTokens = verifiesBearerTokens
        self.appendOnlyTables = appendOnlyTables
    }
}

/// What a service adds to the shared runtime: handlers for its inbox, timed jobs and HTTP routes.
public struct ServiceComponents: Sendable {
    public var handlers: HandlerRegistry
    public var jobs: [PeriodicJob]
    public var routes: @Sendable (Router<ExamHallRequestContext>) -> Void
    /// Run once after the migrations, before anything is served (e.g. the console's first admin).
    public var onStart: @Sendable () async throws -> Void

    public init(
        handlers: HandlerRegistry = HandlerRegistry(), jobs: [PeriodicJob] = [],
        routes: @escaping @Sendable (Router<ExamHallRequestContext>) -> Void = { _ in },
        onStart: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.handlers = handlers
        self.jobs = jobs
        self.routes = routes
        self.onStart = onStart
    }
}
