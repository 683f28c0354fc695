import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `attempt.started` → the booking's authorization is used from now on: a later cancellation of the
/// booking no longer gives it back. A booking unknown here changes nothing.
struct RecordAttemptStartOnAttemptStarted: EventHandler {
    func handle(_ event: CloudEvent<AttemptStarted>, context: HandlerContext) throws {
        try BookingStore(connection: context.connection).recordAttemptStart(try HandlerRejection.uuid(event.data.bookingId, field: "bookingId"), at: event.data.startedAt)
    }
}
