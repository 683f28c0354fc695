import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The exam delivery engine spoke of a booking this service has not heard of yet. Its `booking.confirmed`
/// may still be on the way, so the message is retried; on its last allowed delivery it is rejected:
/// dead-lettered for an operator and answered to the engine with `attempt.rejected` (`unknown-booking`).
struct AttemptNotKnownYet: RejectedOnLastDelivery, CustomStringConvertible {
    let bookingId: String
    var description: String { "no attempt for booking \(bookingId) (yet): its booking.confirmed has not arrived" }
    var rejection: HandlerRejection {
        HandlerRejection("unknown-booking: ExamHall has no booking \(bookingId) to record an attempt for", field: "data.bookingId")
    }
}
