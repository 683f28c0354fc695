import ExamHallModels
import ExamHallServiceKit
import Foundation

/// Seats held for payment past their window are released (`booking.expired`) and go to the waitlist.
/// Each booking is re-checked under its session's lock, so replicas running this at once expire each
/// booking exactly once.
enum ExpireHeldSeats {
    static func job(_ environment: ServiceEnvironment, interval: Duration = .seconds(5)) -> PeriodicJob {
        PeriodicJob(name: "expire-held-seats", interval: interval) {
            _ = try await runOnce(environment)
        }
    }

    /// Expires what is due now; returns how many bookings it expired.
    static func runOnce(_ environment: ServiceEnvironment, limit: Int = 500) async throws -> Int {
        let now = environment.clock()
        let due = try await environment.database.withConnection { connection in
            try BookingStore(connection: connection).duePayments(at: now, limit: limit).map(\.bookingId)
        }
        let window = environment.configuration.paymentWindow
        var expired = 0
        for bookingId in due {
            let outbox = environment.outbox(correlationId: nil)
            let didExpire = try await environment.database.transaction { connection -> Bool in
                let workflow = BookingWorkflow(connection: connection, outbox: outbox, now: now, paymentWindow: window)
                let (session, booking) = try workflow.lockBooking(bookingId)
                guard booking.status == .awaitingPayment, let until = booking.paymentExpiresAt, until <= now else { return false }
                try workflow.end(booking, in: session, as: .expired, reason: "no payment by \(until)", actor: .system)
                return true
            }
            if didExpire { expired += 1 }
        }
        return expired
    }
}
