import ExamHallModels
import ExamHallServiceKit
import Foundation

/// The exam delivery engine spoke of a booking this service has not heard of yet. Its `booking.confirmed`
/// may still be on the way, so the message is retried; past the delivery limit it is dead-lettered with
/// this reason for an operator.
struct AttemptNotKnownYet: Error, CustomStringConvertible {
    let bookingId: String
    var description: String { "no attempt for booking \(bookingId) (yet): its booking.confirmed has not arrived" }
}
