import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.verified` → the candidate may now read their result.
struct NotifyOnAttemptVerified: EventHandler {
    let settings: NotificationSettings

    func handle(_ event: CloudEvent<AttemptVerified>, context: HandlerContext) throws {
        let data = event.data
        let contact = data.candidate.map { Contact(candidateId: data.candidateId, $0) }
        if let contact { try ProjectionStore(connection: context.connection).saveContact(contact, at: context.now) }
        let positive = data.verdict == .positive
        try context.notifier(settings).notify(.init(
            kind: .resultAvailable, occurrence: .verdict(attemptId: data.attemptId), triggerEventId: event.id, candidateId: data.candidateId, contact: contact, bookingId: data.bookingId,
            examCode: data.examCode, session: nil, extra: { _, _ in ["positive": .flag(positive), "negative": .flag(!positive)] }
        ))
    }
}
