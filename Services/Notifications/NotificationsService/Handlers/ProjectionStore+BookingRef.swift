import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

extension ProjectionStore.Booking {
    init(_ booking: BookingRef, active: Bool) {
        self.init(bookingId: booking.bookingId, candidateId: booking.candidateId, sessionId: booking.sessionId, examCode: booking.examCode, active: active)
    }
}
