import ExamHallServiceKit
import Foundation

/// A booking id from an event, which must be a UUID to name one of ours.
func bookingUUID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw HandlerRejection("bookingId '\(text)' is not a UUID") }
    return id
}
