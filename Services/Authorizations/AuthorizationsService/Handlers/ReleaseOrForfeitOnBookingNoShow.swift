import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `booking.no_show` → the exam's no-show policy: `forfeit` keeps the authorization Assigned (used up),
/// `release` makes it Open again.
struct ReleaseOrForfeitOnBookingNoShow: EventHandler {
    func handle(_ event: CloudEvent<BookingNoShow>, context: HandlerContext) throws {
        let policy = event.data.noShowPolicy
        try release(event.data.booking, .noShow(policy), reason: "no-show (policy: \(policy.rawValue))", actor: "system", event.id, context)
    }
}
