import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// The one way an authorization changes status: decide with the pure rules, then store the new state,
/// its history line and the matching event in the caller's transaction. Used by handlers, jobs and routes.
struct RecordTransition {
    let store: AuthorizationStore
    let outbox: OutboxWriter
    let now: Date

    init(connection: PGConnection, outbox: OutboxWriter, now: Date) {
        self.store = AuthorizationStore(connection: connection)
        self.outbox = outbox
        self.now = now
    }

    @discardableResult
    func apply(
        _ action: AuthorizationAction, to current: Authorization, reason: String, actor: String, messageId: String?,
        assignment: (bookingId: String, sessionId: String)? = nil
    ) throws -> Authorization {
        let transition = try AuthorizationRules.transition(current, action)
        var next = current
        next.status = transition.to
        next.inactivationReason = transition.inactivationReason ?? current.inactivationReason
        next.updatedAt = now
        if transition.to == .assigned, let assignment {
            next.bookingId = assignment.bookingId
            next.sessionId = assignment.sessionId
        } else if transition.to != .assigned {
            next.bookingId = nil
            next.sessionId = nil
        }
        try store.record(next, change: StatusChange(from: transition.from, to: transition.to, reason: reason, actor: actor, at: now), messageId: messageId)
        switch transition.to {
        case .inactive:
            try outbox.publish(
                AuthorizationInactivated(
                    ref: current.ref, reason: transition.inactivationReason ?? .deactivated, detail: reason,
                    previousStatus: current.status, bookingId: current.status == .assigned ? current.bookingId : nil
                ),
                on: store.connection
            )
        case .open where current.status == .assigned:
            try outbox.publish(AuthorizationReleased(ref: current.ref, bookingId: current.bookingId ?? ""), on: store.connection)
        case .assigned:
            try outbox.publish(AuthorizationAssigned(ref: current.ref, bookingId: next.bookingId ?? "", sessionId: next.sessionId ?? ""), on: store.connection)
        case .open:
            break
        }
        return next
    }
}
