import ExamHallModels
import ExamHallServiceKit
import ExamHallStorage
import Foundation

/// Something a booking operation names does not exist (or is not the caller's to see).
struct NotFound: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what) does not exist" }
}

/// Every change to bookings, inside the caller's transaction: lock (sessions before bookings), load,
/// decide with `BookingRules`, store, and write the events to the outbox. HTTP routes, inbox handlers and
/// jobs all go through here, so a rule holds the same way whoever triggers it.
struct BookingWorkflow {
    let sessions: SessionStore
    let bookings: BookingStore
    let outbox: OutboxWriter
    let connection: PGConnection
    let now: Date
    let paymentWindow: TimeInterval
    /// Who the history lines name: the person behind an HTTP request (`csr:<id>`, `candidate:<id>`), or
    /// `system` for what events and jobs do.
    let actor: String

    /// Where the chaos suite may force a booking's transaction to roll back.
    var faults: FaultHook = .none

    init(connection: PGConnection, outbox: OutboxWriter, now: Date, paymentWindow: Duration, by actor: String = "system") {
        self.connection = connection
        self.actor = actor
        self.sessions = SessionStore(connection: connection)
        self.bookings = BookingStore(connection: connection)
        self.outbox = outbox
        self.now = now
        self.paymentWindow = TimeInterval(paymentWindow.components.seconds)
    }

    // MARK: - Booking

    struct BookCommand: Sendable {
        var sessionId: UUID
        var requester: Requester
        var candidateId: String
        var examCode: String?
        var authorizationId: UUID?
        /// `"authorizationId": null` in the request: book without the candidate's Open authorization.
        var declinesAuthorization = false
        var joinWaitlistWhenFull: Bool
        /// Contact data that came with the request (a candidate's token, or a CSR's body); otherwise the projection's.
        var contact: CandidateContact?
        /// The staff member who asked, as history names them (`csr:<id>`); nil for a candidate or the system.
        var staffMember: String? = nil

        /// Who the booking's history says created it.
        var createdBy: String { staffMember ?? BookingWorkflow.describe(requester) }
    }

    /// A refusal or failure after seats or authorizations were written: the transaction must be rolled
    /// back (alone, or with the rest of its batch), not committed.
    struct MustRollBack: Error, CustomStringConvertible {
        let underlying: any Error
        var description: String { "\(underlying)" }
    }

    /// Books a seat in the caller's own transaction.
    func book(_ command: BookCommand) throws -> Booking {
        do {
            return try place(try plan(command))
        } catch let rollBack as MustRollBack {
            throw rollBack.underlying
        }
    }

    /// A booking decided on an unlocked read of its session, before anything is written.
    struct Plan {
        let command: BookCommand
        let snapshot: Session
        let request: BookingRules.Request
        let exam: String
        let facts: BookingRules.CandidateFacts
        let contact: CandidateContact
        /// The decision on the snapshot; nil when it must be made again under the session's lock
        /// (the session looked full, or the candidate asked for the waitlist).
        let decision: BookingRules.Decision?
    }

    /// Reads and decides; throws refusals only (nothing is written yet).
    func plan(_ command: BookCommand) throws -> Plan {
        try plan([command])[0].get()
    }

    /// Plans many bookings with a few statements in all, not a few each: the sessions in one, the
    /// candidates' facts in another. Each result is that command's plan or its refusal (`BookingRefusal`,
    /// `NotFound`); a database failure throws. Nothing is locked or written, so the answers hold for
    /// candidates that differ: a candidate named twice must be planned again after the first is placed.
    func plan(_ commands: [BookCommand]) throws -> [Result<Plan, any Error>] {
        let snapshots = try sessions.find(Array(Set(commands.map(\.sessionId))))
        // Everything that needs only the session and the request, per command.
        var staged: [Result<(request: BookingRules.Request, snapshot: Session, exam: String, facts: BookingStore.FactsQuery), any Error>] = []
        for command in commands {
            staged.append(try Self.refusals {
                guard let snapshot = snapshots[command.sessionId] else { throw NotFound(what: "session \(Self.text(command.sessionId))") }
                var named: ProjectedAuthorization?
                if let id = command.authorizationId {
                    guard let authorization = try bookings.authorization(id) else { throw BookingRefusal.authorizationUnknown(authorizationId: Self.text(id)) }
                    named = authorization
                }
                let request = BookingRules.Request(
                    requester: command.requester, candidateId: command.candidateId, examCode: command.examCode,
                    authorization: named, declinesAuthorization: command.declinesAuthorization, joinWaitlistWhenFull: command.joinWaitlistWhenFull
                )
                try BookingRules.requireOpenForBooking(snapshot, requester: command.requester, now: now)
                let exam = try BookingRules.examFor(request, in: snapshot)
                let lookUp = request.connectsOwnAuthorization(in: snapshot) || (named == nil && snapshot.publicSettings?.authorizationRequired == true)
                return (request, snapshot, exam, Self.factsQuery(command.candidateId, exam: exam, session: snapshot, lookUpAuthorization: lookUp))
            })
        }
        var facts = try bookings.facts(staged.compactMap { try? $0.get().facts }).makeIterator()
        return try zip(commands, staged).map { command, stage in
            try Self.refusals {
                let (request, snapshot, exam, _) = try stage.get()
                let facts = facts.next()!
                let contact = try self.contact(of: command.candidateId, given: command.contact)
                var decision: BookingRules.Decision?
                do {
                    decision = try BookingRules.decide(request, session: snapshot, exam: exam, facts: facts, now: now, paymentWindow: paymentWindow)
                } catch BookingRefusal.sessionFull {
                    decision = nil
                }
                if case .waitlist = decision { decision = nil }
                return Plan(command: command, snapshot: snapshot, request: request, exam: exam, facts: facts, contact: contact, decision: decision)
            }
        }
    }

    /// Runs `body`, keeping a refusal or a missing thing as that command's answer; anything else (the
    /// database failing) is thrown for the whole transaction.
    static func refusals<T>(_ body: () throws -> T) throws -> Result<T, any Error> {
        do {
            return .success(try body())
        } catch let refusal as BookingRefusal {
            return .failure(refusal)
        } catch let missing as NotFound {
            return .failure(missing)
        }
    }

    /// Writes a planned booking. The common case is one statement: take the seat with a conditional
    /// update, claim the authorization, insert the booking and its event. Only when no seat could be
    /// taken is the session locked and the decision made again (which is how "full" becomes the waitlist).
    /// Refusals before any seat is written are thrown as they are; anything later as `MustRollBack`,
    /// including the chaos suite's forced rollback (`FaultHook.beforeCommit`).
    func place(_ plan: Plan) throws -> Booking {
        let proposal = try proposal(for: plan)
        let placement: BookingStore.Placement?
        do {
            placement = try proposal.map { try Self.place([$0], on: connection, at: now)[0] }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw MustRollBack(underlying: Self.refusal(for: error))
        }
        return try settle(plan, proposal: proposal, placement: placement)
    }

    /// A booking ready for the one-statement placement, with the event that announces it once placed.
    struct Proposal {
        let placement: BookingStore.Proposal
        let event: OutboxWriter.Row
        var booking: Booking { placement.booking }
    }

    /// Places `proposals` with one statement, and enqueues the events of those placed. The events go in
    /// first: the placement takes the sessions' seat locks, held until commit, and a round trip made
    /// after it would hold them longer for every booking of the batch (booking under contention lost
    /// 15 % that way). The events of bookings not placed (a full session, an authorization taken) are
    /// taken back after it, which is rare.
    static func place(_ proposals: [Proposal], on connection: PGConnection, at now: Date) throws -> [BookingStore.Placement] {
        try OutboxWriter.enqueue(proposals.map(\.event), on: connection)
        let placements = try BookingStore(connection: connection).place(proposals.map(\.placement), at: now)
        try OutboxWriter.withdraw(zip(proposals, placements).filter { $0.1 != .placed }.map(\.0.event), on: connection)
        return placements
    }

    /// What the one-statement placement of `plan` writes: the booking and its event. Nil when the
    /// decision must be made under the session's lock.
    func proposal(for plan: Plan) throws -> Proposal? {
        guard let decision = plan.decision else { return nil }
        let command = plan.command
        var booking = Self.newBooking(for: plan, now: now)
        let event: OutboxWriter.Row
        switch decision {
        case let .confirm(authorization):
            booking.authorizationId = authorization?.id
            event = try outbox.row(BookingConfirmed(
                booking: booking.ref, session: plan.snapshot.snapshot, candidate: plan.contact, confirmedAt: now,
                actor: command.requester.actor, fromWaitlist: false
            )).1
        case let .holdForPayment(until, price):
            booking.status = .awaitingPayment
            booking.paymentExpiresAt = until
            event = try outbox.row(Self.paymentRequest(for: booking, in: plan.snapshot, contact: plan.contact, price: price), to: .outbound).1
        case .waitlist:
            preconditionFailure("a waitlist decision is always made under the session's lock")
        }
        return Proposal(placement: BookingStore.Proposal(booking: booking, contact: command.contact), event: event)
    }

    /// Finishes a planned booking after its placement (nil: none was tried): done when placed, else
    /// the slow path under the session's lock.
    func settle(_ plan: Plan, proposal: Proposal?, placement: BookingStore.Placement?) throws -> Booking {
        let booking = try settleWithoutInjection(plan, proposal: proposal, placement: placement)
        do {
            try faults.beforeCommit(correlationId: outbox.correlationId)
        } catch {
            throw MustRollBack(underlying: error)
        }
        return booking
    }

    private func settleWithoutInjection(_ plan: Plan, proposal: Proposal?, placement: BookingStore.Placement?) throws -> Booking {
        if let proposal, let placement {
            switch placement {
            case .placed: return proposal.booking
            case .authorizationTaken: throw MustRollBack(underlying: BookingRefusal.authorizationNotOpen(status: "assigned"))
            case .noSeat:
                // Nothing was written but the contact: decide again under the lock, from a fresh booking.
                return try placeUnderLock(plan, booking: Self.newBooking(for: plan, now: now))
            }
        }
        if let contact = plan.command.contact {
            try bookings.saveCandidate(plan.command.candidateId, contact, replace: true, at: now)
        }
        return try placeUnderLock(plan, booking: Self.newBooking(for: plan, now: now))
    }

    private static func newBooking(for plan: Plan, now: Date) -> Booking {
        Booking(
            id: UUID.timeOrdered(), sessionId: plan.snapshot.id, candidateId: plan.command.candidateId, examCode: plan.exam, authorizationId: nil,
            status: .confirmed, waitlistPosition: nil, paymentExpiresAt: nil, paymentId: nil, endReason: nil,
            createdBy: plan.command.createdBy, createdAt: now, updatedAt: now
        )
    }

    /// The slow path: lock the session, decide again, then write.
    private func placeUnderLock(_ plan: Plan, booking proposed: Booking) throws -> Booking {
        guard let session = try sessions.lock(plan.snapshot.id) else { throw NotFound(what: "session \(Self.text(plan.snapshot.id))") }
        let decision = try BookingRules.decide(plan.request, session: session, exam: plan.exam, facts: plan.facts, now: now, paymentWindow: paymentWindow)
        var booking = proposed
        do {
            switch decision {
            case let .confirm(authorization):
                try sessions.adjustSeats(session.id, by: 1)
                if let authorization {
                    guard try bookings.claim(authorizationId: authorization.id, for: booking.id, at: now) else {
                        throw BookingRefusal.authorizationNotOpen(status: "assigned")
                    }
                    booking.authorizationId = authorization.id
                }
                booking = try insertHoldingUniqueness(booking)
                try outbox.publish(
                    BookingConfirmed(booking: booking.ref, session: session.snapshot, candidate: plan.contact, confirmedAt: now, actor: plan.command.requester.actor, fromWaitlist: false),
                    on: connection
                )
            case let .holdForPayment(until, price):
                try sessions.adjustSeats(session.id, by: 1)
                booking.status = .awaitingPayment
                booking.paymentExpiresAt = until
                booking = try insertHoldingUniqueness(booking)
                try requestPayment(for: booking, in: session, contact: plan.contact, price: price)
            case .waitlist:
                booking.status = .waitlisted
                booking = try insertHoldingUniqueness(booking)
                try outbox.publish(
                    BookingWaitlisted(booking: booking.ref, session: session.snapshot, candidate: plan.contact, waitlistedAt: now), on: connection
                )
            }
        } catch {
            throw MustRollBack(underlying: error)
        }
        return booking
    }

    /// Inserts, turning a unique-index refusal (the same candidate booking twice at the same instant
    /// through another session or replica) into the rule it enforces.
    private func insertHoldingUniqueness(_ booking: Booking) throws -> Booking {
        do {
            return try bookings.insert(booking)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw Self.refusal(for: error)
        }
    }

    static func refusal(for error: PostgresError) -> BookingRefusal {
        switch error.constraint {
        case "bookings_one_waitlist_place": .alreadyWaitlisted
        case "bookings_one_active_per_authorization": .authorizationNotOpen(status: "assigned")
        default: .alreadyBooked
        }
    }

    private func candidateFacts(_ candidateId: String, exam: String, session: Session, lookUpAuthorization: Bool) throws -> BookingRules.CandidateFacts {
        try bookings.facts([Self.factsQuery(candidateId, exam: exam, session: session, lookUpAuthorization: lookUpAuthorization)])[0]
    }

    /// What to read about a candidate booking `exam` in `session`: their Open authorization too, when
    /// `lookUpAuthorization` (a public session, and the request named none).
    private static func factsQuery(_ candidateId: String, exam: String, session: Session, lookUpAuthorization: Bool) -> BookingStore.FactsQuery {
        BookingStore.FactsQuery(
            candidateId: candidateId, examCode: exam, sessionId: session.id, sessionEnd: session.end,
            withOpenAuthorization: lookUpAuthorization && session.publicSettings != nil
        )
    }

    /// The contact data to tell the candidate with: what came with the request, else what is known of them.
    private func contact(of candidateId: String, given: CandidateContact? = nil) throws -> CandidateContact {
        guard let contact = try given ?? bookings.candidate(candidateId) else { throw BookingRefusal.candidateContactUnknown(candidateId: candidateId) }
        return contact
    }

    private func requestPayment(for booking: Booking, in session: Session, contact: CandidateContact?, price: Money) throws {
        try outbox.publish(Self.paymentRequest(for: booking, in: session, contact: contact, price: price), to: .outbound, on: connection)
    }

    /// Everything the payment system needs to take the payment and show what it is for.
    static func paymentRequest(for booking: Booking, in session: Session, contact: CandidateContact?, price: Money) -> PaymentRequested {
        PaymentRequested(
            bookingId: booking.ref.bookingId, candidateExternalId: booking.candidateId, candidate: contact, examCode: booking.examCode,
            session: session.snapshot, amount: price.amount, currency: price.currency, expiresAt: booking.paymentExpiresAt ?? session.start
        )
    }

    // MARK: - Ending bookings

    /// Cancels a booking as `requester` asks; a freed seat goes to the waitlist.
    func cancel(_ bookingId: UUID, by requester: Requester, reason: String) throws -> Booking {
        let (session, booking) = try lockBooking(bookingId, visibleTo: requester)
        try BookingRules.cancellation(of: booking, in: session, by: requester, now: now)
        return try end(booking, in: session, as: .cancelled, reason: reason, actor: requester.actor)
    }

    /// Locks a booking and its session (session first). Candidates see only their own bookings.
    func lockBooking(_ bookingId: UUID, visibleTo requester: Requester = .system) throws -> (Session, Booking) {
        // The booking's session can change under a concurrent transfer: lock, then check it is still the same.
        for _ in 0..<3 {
            guard let seen = try bookings.find(bookingId), Self.canSee(seen, requester) else { throw NotFound(what: "booking \(Self.text(bookingId))") }
            guard let session = try sessions.lock(seen.sessionId), let booking = try bookings.lock(bookingId) else { break }
            if booking.sessionId == session.id { return (session, booking) }
        }
        throw NotFound(what: "booking \(Self.text(bookingId))")
    }

    /// Ends an active booking: its seat and authorization are freed, the candidate is told, and the
    /// waitlist moves up. `session` must be locked.
    @discardableResult
    func end(_ booking: Booking, in session: Session, as status: BookingStatus, reason: String, actor: Actor, promote: Bool = true) throws -> Booking {
        var ended = booking
        ended.status = status
        ended.endReason = reason
        ended.paymentExpiresAt = nil
        ended.updatedAt = now
        try bookings.update(ended, by: self.actor)
        // An authorization whose attempt started is used: it never returns to Open.
        if let authorizationId = booking.authorizationId, booking.attemptStartedAt == nil {
            try bookings.release(authorizationId: authorizationId, from: booking.id, at: now)
        }
        let contact = try bookings.candidate(booking.candidateId)
        try settlePayment(of: booking, in: session, reason: reason)
        switch status {
        case .expired:
            try outbox.publish(BookingExpired(booking: booking.ref, candidate: contact, expiredAt: now), on: connection)
        case .rejected:
            try outbox.publish(BookingRejected(booking: booking.ref, candidate: contact, reason: reason, rejectedAt: now), on: connection)
        default:
            try outbox.publish(
                BookingCancelled(
                    booking: booking.ref, session: session.snapshot, candidate: contact, reason: reason, actor: actor, cancelledAt: now,
                    attemptStarted: booking.attemptStartedAt != nil
                ),
                on: connection
            )
        }
        guard booking.status.holdsSeat else { return ended }
        try sessions.adjustSeats(session.id, by: -1)
        if promote {
            var freed = session
            freed.seatsTaken -= 1
            try promoteWaitlist(of: freed)
        }
        return ended
    }

    /// Tells the payment system that a paid seat ended: stop waiting (before payment) or consider a
    /// refund (after payment). Bookings made with an authorization were paid through their purchase.
    private func settlePayment(of booking: Booking, in session: Session, reason: String) throws {
        guard let price = session.price, booking.authorizationId == nil else { return }
        let bookingId = booking.ref.bookingId
        if booking.status == .awaitingPayment {
            try outbox.publish(
                PaymentCancelled(bookingId: bookingId, candidateExternalId: booking.candidateId, amount: price.amount, currency: price.currency, reason: reason, cancelledAt: now),
                to: .outbound, on: connection
            )
        } else if booking.status == .confirmed, let paymentId = booking.paymentId {
            try outbox.publish(
                PaymentRefundRequested(
                    bookingId: bookingId, paymentId: paymentId, candidateExternalId: booking.candidateId, amount: price.amount,
                    currency: price.currency, reason: reason, requestedAt: now
                ),
                to: .outbound, on: connection
            )
        }
    }

    /// Fills free seats from the waitlist, first in line first, skipping (and removing) anyone no longer
    /// eligible. Runs under the session's lock, so each freed seat is taken exactly once.
    func promoteWaitlist(of lockedSession: Session) throws {
        var session = lockedSession
        while true {
            let line = try bookings.waitlist(of: session.id, limit: 20)
            if line.isEmpty { return }
            for entry in line {
                let facts = try candidateFacts(entry.candidateId, exam: entry.examCode, session: session, lookUpAuthorization: true)
                switch BookingRules.promotion(of: entry, in: session, facts: facts, now: now, paymentWindow: paymentWindow) {
                case .stop:
                    return
                case let .skip(refusal):
                    try end(entry, in: session, as: .cancelled, reason: "left the waitlist: \(refusal.description)", actor: .system, promote: false)
                case let .confirm(authorization):
                    var promoted = entry
                    if let authorization {
                        guard try bookings.claim(authorizationId: authorization.id, for: entry.id, at: now) else {
                            let refusal = BookingRefusal.authorizationRequired(examCode: entry.examCode)
                            try end(entry, in: session, as: .cancelled, reason: "left the waitlist: \(refusal.description)", actor: .system, promote: false)
                            continue
                        }
                        promoted.authorizationId = authorization.id
                    }
                    promoted.status = .confirmed
                    promoted.updatedAt = now
                    try bookings.update(promoted, by: self.actor)
                    try sessions.adjustSeats(session.id, by: 1)
                    session.seatsTaken += 1
                    let contact = try self.contact(of: entry.candidateId)
                    try outbox.publish(
                        BookingConfirmed(booking: promoted.ref, session: session.snapshot, candidate: contact, confirmedAt: now, actor: .system, fromWaitlist: true),
                        on: connection
                    )
                case let .holdForPayment(until, price):
                    var promoted = entry
                    promoted.status = .awaitingPayment
                    promoted.paymentExpiresAt = until
                    promoted.updatedAt = now
                    try bookings.update(promoted, by: self.actor)
                    try sessions.adjustSeats(session.id, by: 1)
                    session.seatsTaken += 1
                    try requestPayment(for: promoted, in: session, contact: try bookings.candidate(entry.candidateId), price: price)
                }
            }
        }
    }

    // MARK: - Moving bookings

    /// Moves a confirmed booking to `targetId` atomically: both seats change in one transaction, and the
    /// authorization stays connected.
    func transfer(_ bookingId: UUID, to targetId: UUID, by requester: Requester) throws -> Booking {
        guard let seen = try bookings.find(bookingId), Self.canSee(seen, requester) else { throw NotFound(what: "booking \(Self.text(bookingId))") }
        let locked = try sessions.lock([seen.sessionId, targetId])
        guard let target = locked[targetId] else { throw NotFound(what: "session \(Self.text(targetId))") }
        guard let booking = try bookings.lock(bookingId), let source = locked[booking.sessionId] else {
            throw NotFound(what: "booking \(Self.text(bookingId))")
        }
        let authorization = try booking.authorizationId.flatMap { try bookings.authorization($0) }
        try BookingRules.transfer(booking, from: source, to: target, by: requester, authorization: authorization, targetHasActiveBooking: false, now: now)
        var moved = booking
        moved.sessionId = target.id
        moved.updatedAt = now
        try bookings.update(moved, by: self.actor)
        try sessions.adjustSeats(source.id, by: -1)
        try sessions.adjustSeats(target.id, by: 1)
        guard let contact = try bookings.candidate(booking.candidateId) else { throw BookingRefusal.candidateContactUnknown(candidateId: booking.candidateId) }
        try outbox.publish(
            BookingTransferred(
                booking: moved.ref, fromSessionId: Self.text(source.id), session: target.snapshot, candidate: contact,
                actor: requester.actor, transferredAt: now
            ),
            on: connection
        )
        var freed = source
        freed.seatsTaken -= 1
        try promoteWaitlist(of: freed)
        return moved
    }

    // MARK: - The end of the lifecycle

    /// The attempt finished: a confirmed booking becomes `completed`, final, and the candidate may book
    /// the exam again. Its seat stays counted (it was used) and its authorization stays Assigned.
    func complete(bookingId: UUID, finishedAt: Date) throws -> Booking? {
        guard try bookings.find(bookingId) != nil else { return nil }
        let (_, booking) = try lockBooking(bookingId)
        guard booking.status == .confirmed else { return booking }
        let startedAt = booking.attemptStartedAt ?? finishedAt
        var completed = booking
        completed.status = .completed
        completed.endReason = "attempt finished"
        completed.attemptStartedAt = startedAt
        completed.updatedAt = now
        try bookings.update(completed, by: self.actor)
        try bookings.recordAttemptStart(bookingId, at: startedAt)
        try outbox.publish(BookingCompleted(booking: completed.ref, finishedAt: finishedAt, completedAt: now), on: connection)
        return completed
    }

    /// A CSR voided the booking's attempt: the booking is cancelled whatever became of it (under way,
    /// completed or a no-show), its seat freed if it held one, and its authorization Open again here.
    func cancelForVoidedAttempt(bookingId: UUID, reason: String, actor: Actor) throws -> Booking? {
        guard try bookings.find(bookingId) != nil else { return nil }
        let (session, booking) = try lockBooking(bookingId)
        guard [.confirmed, .completed, .noShow].contains(booking.status) else { return booking }
        let ended = try end(booking, in: session, as: .cancelled, reason: "attempt voided: \(reason)", actor: actor)
        if let authorizationId = booking.authorizationId, booking.attemptStartedAt != nil || booking.status == .noShow {
            try bookings.release(authorizationId: authorizationId, from: booking.id, at: now)
        }
        return ended
    }

    /// The attempt was never started: a confirmed booking becomes `no-show`, final. The exam's policy
    /// says whether its authorization is forfeited (stays Assigned) or released.
    func markNoShow(bookingId: UUID) throws -> Booking? {
        guard try bookings.find(bookingId) != nil else { return nil }
        let (_, booking) = try lockBooking(bookingId)
        guard booking.status == .confirmed else { return booking }
        let policy = try sessions.exam(booking.examCode)?.noShowPolicy ?? .forfeit
        var ended = booking
        ended.status = .noShow
        ended.endReason = "no-show"
        ended.updatedAt = now
        try bookings.update(ended, by: self.actor)
        if policy == .release, let authorizationId = booking.authorizationId {
            try bookings.release(authorizationId: authorizationId, from: booking.id, at: now)
        }
        try outbox.publish(BookingNoShow(booking: ended.ref, noShowPolicy: policy, markedAt: now), on: connection)
        return ended
    }

    // MARK: - Payments

    enum PaymentOutcome: Equatable {
        case confirmed
        case alreadyConfirmed
    }

    /// `payment.completed`: the held seat becomes a confirmed booking. A payment that comes too late or
    /// for the wrong amount is refused with a reason an operator can act on (refund).
    func confirmPayment(bookingId: UUID, paymentId: String, amount: Decimal, currency: String) throws -> PaymentOutcome {
        let (session, booking) = try lockBooking(bookingId)
        if booking.status == .confirmed, booking.paymentId == paymentId { return .alreadyConfirmed }
        guard booking.status == .awaitingPayment else {
            throw PaymentRefusal(reason: "booking \(Self.text(bookingId)) is \(booking.status.rawValue), so payment \(paymentId) cannot confirm it; refund it", field: "data.bookingId")
        }
        guard let price = session.price, price.amount == amount, price.currency == currency else {
            throw PaymentRefusal(reason: "payment \(paymentId) is \(amount) \(currency) but the session costs \(session.price.map { "\($0.amount) \($0.currency)" } ?? "nothing")", field: "data.amount")
        }
        var confirmed = booking
        confirmed.status = .confirmed
        confirmed.paymentId = paymentId
        confirmed.paymentExpiresAt = nil
        confirmed.updatedAt = now
        try bookings.update(confirmed, by: self.actor)
        let contact = try self.contact(of: booking.candidateId)
        try outbox.publish(
            BookingConfirmed(booking: confirmed.ref, session: session.snapshot, candidate: contact, confirmedAt: now, actor: .system, fromWaitlist: false),
            on: connection
        )
        return .confirmed
    }

    struct PaymentRefusal: Error, CustomStringConvertible {
        let reason: String
        /// The field of `payment.completed` at fault.
        var field: String
        var description: String { reason }
    }

    // MARK: - Sessions

    /// Cancels a session: every booking and waitlist place is cancelled (authorizations released,
    /// candidates told), then `session.cancelled`.
    func cancelSession(_ sessionId: UUID, reason: String?, actor: Actor) throws -> Session {
        guard var session = try sessions.lock(sessionId) else { throw NotFound(what: "session \(Self.text(sessionId))") }
        guard session.status == .scheduled else { throw BookingRefusal.sessionCancelled }
        for booking in try bookings.activeBookings(of: sessionId) {
            try end(booking, in: session, as: .cancelled, reason: "session cancelled" + (reason.map { ": \($0)" } ?? ""), actor: actor, promote: false)
        }
        session.status = .cancelled
        session.seatsTaken = 0
        session.updatedAt = now
        try sessions.update(session)
        try sessions.recordHistory(
            of: sessionId, at: now, by: self.actor, change: "cancelled", before: #"{"status":"scheduled"}"#,
            after: try SessionHistory.text(["status": "cancelled", "reason": reason ?? NSNull()])
        )
        try outbox.publish(SessionCancelled(sessionId: Self.text(sessionId), reason: reason, cancelledAt: now), on: connection)
        return session
    }

    // MARK: - Helpers

    static func canSee(_ booking: Booking, _ requester: Requester) -> Bool {
        if case let .candidate(id) = requester { return booking.candidateId == id }
        return true
    }

    static func describe(_ requester: Requester) -> String {
        switch requester {
        case let .candidate(id): "candidate:\(id)"
        case let .staff(actor): actor.rawValue
        case .system: "system"
        }
    }

    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }
}
