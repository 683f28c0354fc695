import Foundation

/// Every word the candidate pages show, once per language. Templates read the stored properties;
/// sentences with a number or a name in them are built by the methods. French puts a non-breaking
/// space (U+00A0) before ":", "?", "!" and ";".
struct CandidateWords: Sendable {
    // The frame around every page.
    var skipLink: String
    var navigationLabel: String
    var home: String
    var myBookings: String
    var myResults: String
    var signOut: String
    var switchLanguage: String

    // /me
    var homeTitle: String
    var authorizationsHeading: String
    var noAuthorizations: String
    var examColumn: String
    var statusColumn: String
    var validUntilColumn: String
    var bookingColumn: String
    var noExpiry: String
    var viewBooking: String
    var bookHeading: String
    var bookIntro: String
    var alreadyBookedNote: String
    var noSessions: String
    var book: String
    var joinWaitlist: String
    var placeLabel: String
    var timeLabel: String
    var seatsLabel: String
    var priceLabel: String
    var free: String
    var bookingDeadlineLabel: String
    var cancellationDeadlineLabel: String

    // Booking: check, then done
    var checkTitle: String
    var checkIntro: String
    var authorizationLabel: String
    var noAuthorizationUsed: String
    var paidHoldNote: String
    var waitlistNote: String
    var confirmBooking: String
    var confirmWaitlist: String
    var backToSessions: String
    var problemHeading: String

    // My bookings
    var bookingsTitle: String
    var noBookings: String
    var currentBookings: String
    var pastBookings: String
    var bookingTitle: String
    var addToCalendar: String
    var reschedule: String
    var cancelBooking: String
    var leaveWaitlist: String
    var bookedDone: String
    var heldDone: String
    var waitlistedDone: String
    var rescheduledDone: String
    var cancelledDone: String
    var emailFollows: String
    var cancelTitle: String
    var cancelWarning: String
    var cancelConfirm: String
    var keepBooking: String
    var rescheduleTitle: String
    var rescheduleIntro: String
    var rescheduleNone: String
    var rescheduleLegend: String
    var moveBooking: String
    var chooseSession: String

    // My results
    var resultsTitle: String
    var noResults: String
    var notVerifiedYet: String
    var passed: String
    var failed: String
    var notPassedVerdict: String

    // Sign-in by link
    var signInTitle: String
    var errorPrefix: String
    var candidatesHeading: String
    var candidatesIntro: String
    var emailLabel: String
    var sendLink: String
    var enterEmail: String
    var linkSentTitle: String
    var linkSentText: String
    var linkTitle: String
    var linkIntro: String
    var signIn: String
    var linkUnusableTitle: String
    var linkUnusableText: String
    var askNewLink: String
    var tooManyRequests: String

    let language: CandidateLanguage

    static func of(_ language: CandidateLanguage) -> CandidateWords {
        language == .fr ? french : english
    }

    func status(_ status: String) -> String {
        let english = [
            "open": "Open", "assigned": "Assigned", "inactive": "Inactive",
            "confirmed": "Confirmed", "awaiting-payment": "Waiting for payment", "waitlisted": "On the waitlist", "cancelled": "Cancelled",
            "expired": "Expired", "rejected": "Refused", "completed": "Completed", "no-show": "Did not attend",
            "scheduled": "Not started", "started": "In progress", "finished": "Finished", "verified": "Verified", "voided": "Voided",
        ]
        let french = [
            "open": "Disponible", "assigned": "Utilisée pour une réservation", "inactive": "Inactive",
            "confirmed": "Confirmée", "awaiting-payment": "En attente de paiement", "waitlisted": "Sur liste d’attente", "cancelled": "Annulée",
            "expired": "Expirée", "rejected": "Refusée", "completed": "Terminée", "no-show": "Absence",
            "scheduled": "Pas commencé", "started": "En cours", "finished": "Terminé", "verified": "Vérifié", "voided": "Annulé",
        ]
        return (language == .fr ? french : english)[status] ?? status
    }

    func seats(left: Int?, capacity: Int?, waitlist: Int) -> String {
        guard let left, let capacity else { return "" }
        switch language {
        case .en:
            if left > 0 { return "\(left) of \(capacity) seats left" }
            return waitlist > 0 ? "Full, \(waitlist) on the waitlist" : "Full"
        case .fr:
            if left > 0 { return left == 1 ? "1 place libre sur \(capacity)" : "\(left) places libres sur \(capacity)" }
            return waitlist > 0 ? "Complet, \(waitlist) sur liste d’attente" : "Complet"
        }
    }

    func waitlistPlace(_ position: Int) -> String {
        language == .fr ? "Vous êtes n\u{00A0}\(position) sur la liste d’attente." : "You are number \(position) on the waitlist."
    }

    func holdUntil(_ time: String) -> String {
        language == .fr ? "Votre place est réservée jusqu’au \(time) en attendant votre paiement." : "Your seat is held until \(time) while you pay."
    }

    func score(_ score: Double, of maxScore: Double) -> String {
        let number = { (value: Double) in value.rounded() == value ? String(Int(value)) : String(value) }
        return language == .fr ? "\(number(score)) sur \(number(maxScore))" : "\(number(score)) of \(number(maxScore))"
    }

    func validUntil(_ date: String) -> String {
        language == .fr ? "Valable jusqu’au \(date)" : "Valid until \(date)"
    }

    /// A service's refusal, in plain words; nil for one a candidate should never meet.
    func refusal(_ type: String) -> String? {
        let english = [
            "session-full": "This session is full. You can join its waitlist instead.",
            "booking-deadline-passed": "The booking deadline for this session has passed.",
            "cancellation-deadline-passed": "The deadline for cancelling or moving this booking has passed. Contact us if you cannot attend.",
            "cancellation-by-staff-only": "This booking can only be cancelled by our staff. Contact us.",
            "already-booked": "You already have a booking for this exam. Cancel or move it first.",
            "already-waitlisted": "You are already on this session’s waitlist.",
            "authorization-required": "This session needs an exam authorization you do not hold. Buy the exam first.",
            "authorization-not-open": "Your authorization for this exam is already used for another booking.",
            "authorization-unknown": "Your exam authorization is still on its way to us. Try again in a moment.",
            "candidate-contact-unknown": "Your details are still on their way to us after your purchase. Try again in a moment.",
            "authorization-expires-before-session": "Your authorization for this exam ends before this session. Choose an earlier session.",
            "session-started": "This session has already started.",
            "session-cancelled": "This session has been cancelled.",
            "session-private": "This session is not open for booking.",
            "booking-not-active": "This booking has already ended.",
            "booking-completed": "You took this exam: the booking can no longer change.",
            "booking-no-show": "This booking has ended because you did not attend.",
            "booking-not-confirmed": "Only a confirmed booking can be moved.",
            "price-differs": "That session has a different price, so your booking cannot move there. Contact us.",
            "exam-mismatch": "That session does not offer your exam.",
            "same-session": "Your booking is already in that session.",
            "waitlist-not-offered": "This session has no waitlist.",
        ]
        let french = [
            "session-full": "Cette session est complète. Vous pouvez vous inscrire sur sa liste d’attente.",
            "booking-deadline-passed": "La date limite de réservation de cette session est passée.",
            "cancellation-deadline-passed": "La date limite pour annuler ou déplacer cette réservation est passée. Contactez-nous si vous ne pouvez pas venir.",
            "cancellation-by-staff-only": "Seule notre équipe peut annuler cette réservation. Contactez-nous.",
            "already-booked": "Vous avez déjà une réservation pour cet examen. Annulez-la ou déplacez-la d’abord.",
            "already-waitlisted": "Vous êtes déjà sur la liste d’attente de cette session.",
            "authorization-required": "Cette session demande une autorisation d’examen que vous n’avez pas. Achetez d’abord l’examen.",
            "authorization-not-open": "Votre autorisation pour cet examen est déjà utilisée pour une autre réservation.",
            "authorization-unknown": "Votre autorisation d’examen est encore en route vers nous. Réessayez dans un instant.",
            "candidate-contact-unknown": "Vos coordonnées sont encore en route vers nous après votre achat. Réessayez dans un instant.",
            "authorization-expires-before-session": "Votre autorisation pour cet examen expire avant cette session. Choisissez une session plus tôt.",
            "session-started": "Cette session a déjà commencé.",
            "session-cancelled": "Cette session a été annulée.",
            "session-private": "Cette session n’est pas ouverte à la réservation.",
            "booking-not-active": "Cette réservation est déjà terminée.",
            "booking-completed": "Vous avez passé cet examen\u{00A0}: la réservation ne peut plus changer.",
            "booking-no-show": "Cette réservation est terminée car vous étiez absent.",
            "booking-not-confirmed": "Seule une réservation confirmée peut être déplacée.",
            "price-differs": "Cette session a un autre prix, votre réservation ne peut donc pas y être déplacée. Contactez-nous.",
            "exam-mismatch": "Cette session ne propose pas votre examen.",
            "same-session": "Votre réservation est déjà dans cette session.",
            "waitlist-not-offered": "Cette session n’a pas de liste d’attente.",
        ]
        return (language == .fr ? french : english)[type]
    }
}
