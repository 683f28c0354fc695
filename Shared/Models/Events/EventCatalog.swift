/// Every event of the contract with the exchange it travels on; the source of `docs/asyncapi.yaml`.
public enum EventCatalog {
    public struct Entry: Sendable {
        public let exchange: Exchange
        public let type: EventType
        public let payload: any EventPayload.Type
    }

    public static let inbound: [Entry] = [
        PurchaseCompleted.self, PurchaseRefunded.self, CandidateUpdated.self, PaymentCompleted.self,
        DeliveryAttemptStarted.self, DeliveryAttemptFinished.self, CandidateErasureRequested.self,
    ].map { Entry(exchange: .inbound, type: $0.type, payload: $0) }

    public static let outbound: [Entry] = [ResultVerified.self, PaymentRequested.self, PaymentCancelled.self, PaymentRefundRequested.self]
        .map { Entry(exchange: .outbound, type: $0.type, payload: $0) } + outcomes

    /// The answers to inbound messages, on `examhall.outbound`.
    public static let outcomes: [Entry] = [
        PurchaseAccepted.self, PurchaseRejected.self, CandidateRejected.self, PaymentRejected.self, AttemptRejected.self,
    ].map { Entry(exchange: .outbound, type: $0.type, payload: $0) }

    public static let events: [Entry] = [
        AuthorizationOpened.self, AuthorizationAssigned.self, AuthorizationReleased.self, AuthorizationInactivated.self,
        AuthorizationAssignmentRejected.self,
        ExamUpdated.self,
        SessionScheduled.self, SessionUpdated.self, SessionCancelled.self,
        BookingConfirmed.self, BookingCancelled.self, BookingTransferred.self, BookingRejected.self, BookingExpired.self, BookingWaitlisted.self,
        BookingCompleted.self, BookingNoShow.self,
        ProctorAssigned.self, ProctorUnassigned.self,
        AttemptStarted.self, AttemptFinished.self, AttemptNoShow.self, AttemptVoided.self, AttemptVerified.self, ProctorReportSubmitted.self, ResultExported.self,
        NotificationSent.self, NotificationFailed.self,
        CandidateErased.self,
    ].map { Entry(exchange: .events, type: $0.type, payload: $0) }

    public static let all: [Entry] = inbound + outbound + events

    /// What each service publishes, besides the rejections its answering handlers send: the broker lets
    /// a service publish these routing keys and no others (topic permissions from the definitions).
    public static let publishers: [String: [Entry]] = [
        "authorizations": entries(events, named: ["authorization.", "candidate.erased"]) + entries(outcomes, named: ["purchase.accepted"]),
        "sessions": entries(events, named: ["exam.", "session.", "booking.", "proctor.assigned", "proctor.unassigned", "candidate.erased"])
            + entries(outbound, named: ["payment.requested", "payment.cancelled", "payment.refund"]),
        "verification": entries(events, named: ["attempt.", "proctor_report.", "result.", "candidate.erased"]) + entries(outbound, named: ["result.verified"]),
        "notifications": entries(events, named: ["notification.", "candidate.erased"]),
        "console": entries(events, named: ["candidate.erased"]),
    ]

    /// The entries whose type starts with one of `prefixes`.
    static func entries(_ entries: [Entry], named prefixes: [String]) -> [Entry] {
        entries.filter { entry in prefixes.contains { entry.type.rawValue.hasPrefix($0) } }
    }
}
