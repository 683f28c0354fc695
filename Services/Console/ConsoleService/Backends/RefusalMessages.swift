/// A service's refusal in plain words for the person at the screen. The services' details are written
/// for developers ("ask for the waitlist with {\"waitlist\":true}"); these say what happened and what to
/// do, by problem type. Types not listed fall back to the service's detail.
enum RefusalMessages {
    static func text(for problem: ServiceProblem) -> String {
        switch problem.type {
        case "session-cancelled": "The session is cancelled."
        case "session-started": "The session has already started."
        case "session-ended": "The session has already ended."
        case "session-private": "The session is private: a CSR adds candidates to it."
        case "booking-deadline-passed": "The booking deadline of the session has passed."
        case "cancellation-deadline-passed": "The cancellation deadline has passed."
        case "session-full": "No seat is left in the session."
        case "already-booked": "The candidate already has an active booking for this exam."
        case "already-waitlisted": "The candidate is already on this session's waitlist."
        case "authorization-required": "The session needs an Open authorization for the exam, and the candidate holds none."
        case "authorization-not-open": "The authorization is no longer Open (it may have been assigned or refunded since the page loaded)."
        case "authorization-of-another-candidate": "The authorization belongs to another candidate."
        case "exam-mismatch": "The session does not offer this exam."
        case "exam-code-required": "Choose which exam the candidate takes."
        case "session-not-free": "The session is paid: assign one of the candidate's authorizations instead, or let them book and pay."
        case "booking-not-active", "booking-not-confirmed": "The booking is no longer active."
        case "booking-completed": "The candidate's exam is finished: the booking is final."
        case "booking-no-show": "The candidate did not attend: the booking is final."
        case "authorization-expires-before-session": "The authorization expires before the session ends."
        case "same-session": "The booking is already in that session."
        case "price-differs": "The other session has a different price: cancel this booking and book the other session instead."
        case "candidate-contact-unknown": "ExamHall does not know this candidate yet: they appear once a purchase of theirs has arrived."
        case "capacity-below-bookings": "More seats are booked than that capacity."
        case "session-has-bookings": "This cannot change once candidates are booked: cancel the session and create another."
        case "already-verified": "The attempt already has its verdict: it is final."
        case "attempt-voided": "The attempt was voided already."
        case "attempt-cancelled": "The booking of this attempt was cancelled."
        case "proctor-overlap", "proctor-exists": Messages.sentence(problem.detail) + "."
        default: Messages.sentence(problem.detail) + "."
        }
    }
}
