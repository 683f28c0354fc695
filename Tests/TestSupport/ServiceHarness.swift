import ExamHallMessaging
import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation
import Logging

/// A service's environment built exactly as production builds it, against the test stack, with its
/// migrations applied; for handler and route tests that do not need the executable.
public enum ServiceHarness {
    public static func environment(
        for description: ServiceDescription, clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> ServiceEnvironment {
        try TestStack.require()
        let configuration = try ServiceConfiguration.load(
            service: description.name, defaultHTTPPort: 0, environment: try TestStack.environment(for: description.name)
        )
        var logger = Logger(label: "test.\(description.name)")
        logger.logLevel = .warning
        let database = DatabasePool(settings: configuration.databaseSettings, size: 2, logger: logger)
        try await ServiceRunner.migrateWhenReachable(database, owner: configuration.databaseOwnerSettings, description: description, logger: logger)
        return ServiceEnvironment(
            configuration: configuration, database: database, tokens: await TokenAuthority(secret: configuration.jwtSecret),
            logger: logger, clock: clock
        )
    }

    /// The production inbox processor for a service's handlers.
    public static func processor(_ environment: ServiceEnvironment, components: ServiceComponents, deliveryLimit: Int = 10) -> InboxProcessor {
        InboxProcessor(
            registry: components.handlers, database: environment.database, source: environment.source,
            deliveryLimit: deliveryLimit, logger: environment.logger, clock: environment.clock
        )
    }

    public static func token(_ environment: ServiceEnvironment, _ role: Role, subject: String, validFor: TimeInterval = 600) async throws -> String {
        try await environment.tokens.sign(Principal(subject: subject, role: role), validFor: validFor)
    }
}

extension Delivery {
    /// A delivery as the consumer would hand it over, for an event on `exchange`.
    public static func of<P: EventPayload>(
        _ payload: P, id: String = UUID().uuidString.lowercased(), correlationId: String? = nil, exchange: Exchange = .inbound, tag: UInt64 = 1
    ) throws -> Delivery {
        let event = CloudEvent(id: id, source: "test", time: .now, correlationid: correlationId, data: payload)
        return Delivery(
            deliveryTag: tag, exchange: exchange.rawValue, routingKey: P.type.rawValue, redelivered: false,
            body: try event.encoded(), properties: MessageProperties(messageId: id, type: P.type.rawValue)
        )
    }
}

/// Test data: a candidate and purchases no other test shares.
public enum Fixtures {
    public static func candidate(_ id: String = "cand-\(UUID().uuidString.prefix(8))") -> CandidateProfile {
        CandidateProfile(externalId: id, firstName: "Grace", lastName: "Hopper", email: "\(id)@example.org", language: "en", timeZone: "Europe/Paris")
    }

    public static func purchase(_ purchaseId: String = "P-\(UUID().uuidString)", candidate: CandidateProfile = candidate(), examCode: String = "CLOUD-101", validUntil: Date? = nil) -> PurchaseCompleted {
        PurchaseCompleted(purchaseId: purchaseId, candidate: candidate, examCode: examCode, validUntil: validUntil)
    }
}
