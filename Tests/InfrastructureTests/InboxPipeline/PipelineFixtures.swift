import ExamHallMessaging
import ExamHallModels
@testable import ExamHallServiceKit

/// Takes `candidate.updated` from `examhall.inbound` and does nothing: for the steps that only look at
/// where a message came from and what it is.
struct IgnoringHandler: EventHandler {
    func handle(_ event: CloudEvent<CandidateUpdated>, context: HandlerContext) throws {}
}

extension RouteStep {
    /// Routes `candidate.updated` from `examhall.inbound` to `IgnoringHandler`, and nothing else.
    static var candidateUpdatesOnly: RouteStep {
        var registry = HandlerRegistry()
        registry.register(IgnoringHandler(), from: .inbound)
        return RouteStep(registry: registry)
    }
}
