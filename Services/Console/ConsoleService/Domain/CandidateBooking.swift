import Foundation

/// What a candidate is offered to book. Pure; the sessions, what the candidate holds and the time are
/// passed in. The services decide every booking again; this only keeps dead buttons off the page.
public enum CandidateBooking {
    /// A public session, as far as offering it goes.
    public struct Offer: Sendable, Equatable {
        public var sessionId: String
        public var examCode: String
        public var start: Date
        public var bookingDeadline: Date?
        public var authorizationRequired: Bool

        public init(sessionId: String, examCode: String, start: Date, bookingDeadline: Date?, authorizationRequired: Bool) {
            self.sessionId = sessionId
            self.examCode = examCode
            self.start = start
            self.bookingDeadline = bookingDeadline
            self.authorizationRequired = authorizationRequired
        }
    }

    /// A booking that still holds (or waits for) a seat, so the exam cannot be booked again.
    public static func isActive(_ status: String) -> Bool {
        ["confirmed", "awaiting-payment", "waitlisted"].contains(status)
    }

    /// The sessions offered, in the order given: still open for booking, for an exam the candidate holds
    /// an Open authorization for or one that needs none, and not for an exam they are already booked
    /// for (those exams are returned apart, so the page can say why).
    public static func offered(
        _ offers: [Offer], openAuthorizationExams: Set<String>, activeBookingExams: Set<String>, now: Date
    ) -> (sessionIds: [String], alreadyBooked: Set<String>) {
        var alreadyBooked = Set<String>()
        let open = offers.filter { offer in
            guard now < (offer.bookingDeadline ?? offer.start), now < offer.start else { return false }
            guard openAuthorizationExams.contains(offer.examCode) || !offer.authorizationRequired else { return false }
            if activeBookingExams.contains(offer.examCode) {
                alreadyBooked.insert(offer.examCode)
                return false
            }
            return true
        }
        return (open.map(\.sessionId), alreadyBooked)
    }
}
