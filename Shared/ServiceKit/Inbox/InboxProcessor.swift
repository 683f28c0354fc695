import ExamHallMessaging
import ExamHallStorage
import Foundation
import Logging

/// The inbox: a consumer's batch of deliveries through five steps, each in its own file under
/// `Pipeline/`: route to a handler → decode and validate → (in one transaction) de-duplicate and apply,
/// answering the senders of refused inbound messages → settle with the broker. Exactly-once in effect: the inbox record commits with the message's
/// effects and outbox rows. Bad input is dead-lettered with its reason; a database outage holds the
/// batch for a retry; a failing handler's message is retried until its last allowed delivery.
public struct InboxProcessor: DeliveryBatchHandler {
    let route: RouteStep
    let decode = DecodeStep()
    let apply: ApplyStep
    let settle: SettleStep

    public init(
        registry: HandlerRegistry, database: DatabasePool, source: String, deliveryLimit: Int, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, faults: FaultHook = .none
    ) {
        route = RouteStep(registry: registry)
        apply = ApplyStep(database: database, source: source, deliveryLimit: deliveryLimit, logger: logger, clock: clock, faults: faults)
        settle = SettleStep(deliveryLimit: deliveryLimit, logger: logger)
    }

    public func handle(_ batch: [Delivery]) async -> BatchOutcome {
        var dispositions = [DeliveryDisposition](repeating: .ack, count: batch.count)
        var admitted: [(index: Int, message: PreparedMessage)] = []
        var refused: [(delivery: Delivery, refusal: InboxRefusal)] = []
        for (index, delivery) in batch.enumerated() {
            switch route.route(delivery).flatMap({ decode.decode(delivery, with: $0) }) {
            case let .success(message): admitted.append((index, message))
            case let .failure(refusal):
                dispositions[index] = settle.settle(delivery, refusal: refusal)
                if refusal.answer != nil { refused.append((delivery, refusal)) }
            }
        }
        guard !admitted.isEmpty || !refused.isEmpty else { return .settled(dispositions) }

        let results: [ApplyStep.Result]
        switch await apply.apply(admitted.map(\.message), answering: refused) {
        case let .committed(committed): results = committed
        case let .retryLater(reason): return .retryLater(reason: reason)
        case let .failed(error): results = Array(repeating: .failed(error), count: admitted.count)
        }
        for (item, result) in zip(admitted, results) {
            dispositions[item.index] = settle.settle(batch[item.index], message: item.message, result: result)
        }
        return .settled(dispositions)
    }
}
