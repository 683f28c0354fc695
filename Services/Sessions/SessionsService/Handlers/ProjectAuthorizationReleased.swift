import ExamHallModels
import ExamHallServiceKit
import Foundation

/// `authorization.released` → Open again, unless a newer booking of ours holds it already.
struct ProjectAuthorizationReleased: EventHandler {
    func handle(_ event: CloudEvent<AuthorizationReleased>, context: HandlerContext) throws {
        let id = try HandlerRejection.uuid(event.data.authorizationId, field: "authorizationId")
        let store = BookingStore(connection: context.connection)
        try store.recordAuthorization(event.data.ref, status: .open, at: context.now)
        if let bookingId = UUID(uuidString: event.data.bookingId), try store.activeBooking(authorizationId: id) == nil {
            try store.release(authorizationId: id, from: bookingId, at: context.now)
        }
    }
}
