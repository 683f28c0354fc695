import ExamHallModels
import ExamHallServiceKit
import Foundation

extension AttemptProgress {
    init(_ context: HandlerContext, _ store: AttemptStore) {
        self.init(store: store, outbox: context.outbox, now: context.now, actor: "delivery-engine")
    }
}
