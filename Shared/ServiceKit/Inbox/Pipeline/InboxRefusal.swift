import ExamHallModels

/// A delivery the inbox turns away before applying it (nothing takes it, or it does not decode): it is
/// dead-lettered with `reason`. `type` is the routing key it came by, for metrics and logs; `field` the
/// JSON path at fault, and `answer` how its sender is told, when this service answers it.
struct InboxRefusal: Error, Equatable {
    let type: String
    let reason: String
    var field: String?
    var answer: (any RejectionEvent.Type)?

    init(type: String, reason: String, field: String? = nil, answer: (any RejectionEvent.Type)? = nil) {
        self.type = type
        self.reason = reason
        self.field = field
        self.answer = answer
    }

    static func == (lhs: InboxRefusal, rhs: InboxRefusal) -> Bool {
        lhs.type == rhs.type && lhs.reason == rhs.reason && lhs.field == rhs.field && lhs.answer?.type == rhs.answer?.type
    }
}
