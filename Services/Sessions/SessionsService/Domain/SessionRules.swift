import ExamHallModels
import Foundation
import Synchronization

/// A session's settings as a CSR sends them (`POST /sessions`, and `PATCH` merged onto the current ones).
public struct SessionDraft: Codable, Sendable, Equatable {
    public struct Availability: Codable, Sendable, Equatable {
        public var start: Date
        public var end: Date
    }

    public var locationId: UUID
    public var name: String
    public var examCodes: [String]
    public var room: String?
    public var additionalInstructions: String?
    public var instructions: String?
    public var deliveryPreference: String?
    public var availability: Availability
    public var selfEnrollment: Bool
    public var privateKind: PrivateKind?
    public var bookingDeadline: Date?
    public var cancellationDeadline: Date?
    public var capacity: Int?
    public var authorizationRequired: Bool?
    public var price: Money?
    public var candidatesPerProctor: Int?
}

/// The session settings rules: the public/private option matrix and the time order.
public enum SessionRules {
    public static let defaultCandidatesPerProctor = 16
    public static let defaultDeliveryPreference = "in-person"

    /// The settings a draft describes, or every field that is wrong. Options that only public sessions
    /// have are refused on a private session, never silently dropped.
    public static func settings(of draft: SessionDraft) throws(ValidationError) -> (enrollment: Enrollment, candidatesPerProctor: Int, deliveryPreference: String) {
        var v = Validator()
        v.text("name", draft.name)
        v.text("room", draft.room, maxLength: 100)
        v.text("instructions", draft.instructions, maxLength: 10_000)
        v.text("additionalInstructions", draft.additionalInstructions, maxLength: 10_000)
        let delivery = draft.deliveryPreference ?? defaultDeliveryPreference
        if !isSlug(delivery) { v.fail("deliveryPreference", "must be a lowercase name such as 'in-person' or 'online-live-proctored'") }
        for (index, code) in draft.examCodes.enumerated() { v.examCode("examCodes[\(index)]", code) }
        if Set(draft.examCodes).count != draft.examCodes.count { v.fail("examCodes", "must not repeat an exam") }
        v.ordered("availability.start", draft.availability.start, before: "availability.end", draft.availability.end)
        let perProctor = draft.candidatesPerProctor ?? defaultCandidatesPerProctor
        v.range("candidatesPerProctor", perProctor, 1...500)
        if let price = draft.price {
            v.nested("price", price)
            if price.amount <= 0 { v.fail("price.amount", "must be more than 0; a free session has no price") }
        }

        var enrollment = Enrollment.privateSession(.individual)
        if draft.selfEnrollment {
            if draft.privateKind != nil { v.fail("privateKind", "applies only to private sessions (selfEnrollment false)") }
            if draft.examCodes.count != 1 { v.fail("examCodes", "a public session is for exactly one exam") }
            let start = draft.availability.start
            let bookingDeadline = draft.bookingDeadline ?? start
            let cancellationDeadline = draft.cancellationDeadline ?? bookingDeadline
            if bookingDeadline > start { v.fail("bookingDeadline", "must not be after availability.start") }
            if cancellationDeadline > start { v.fail("cancellationDeadline", "must not be after availability.start") }
            if let capacity = draft.capacity { v.range("capacity", capacity, 1...100_000) } else { v.fail("capacity", "is required for a public session") }
            enrollment = .selfEnrollment(PublicSettings(
                bookingDeadline: bookingDeadline, cancellationDeadline: cancellationDeadline,
                capacity: draft.capacity ?? 1, authorizationRequired: draft.authorizationRequired ?? false
            ))
        } else {
            for (field, isSet) in [
                ("bookingDeadline", draft.bookingDeadline != nil), ("cancellationDeadline", draft.cancellationDeadline != nil),
                ("capacity", draft.capacity != nil), ("authorizationRequired", draft.authorizationRequired != nil),
            ] where isSet {
                v.fail(field, "applies only to sessions with self-enrollment; a private session has no \(field)")
            }
            if let kind = draft.privateKind {
                enrollment = .privateSession(kind)
                if kind == .individual, draft.examCodes.count != 1 { v.fail("examCodes", "an individual private session is for exactly one exam") }
                if kind == .common, draft.examCodes.isEmpty { v.fail("examCodes", "must name at least one exam") }
            } else {
                v.fail("privateKind", "is required for a private session: 'individual' or 'common'")
            }
        }
        try v.throwIfInvalid()
        return (enrollment, perProctor, delivery)
    }

    /// The fields a session with bookings may no longer change, because bookings were made under them.
    public static func frozenOnceBooked(current: Session, draft: SessionDraft) -> String? {
        if draft.examCodes != current.examCodes { return "examCodes" }
        if draft.selfEnrollment != (current.publicSettings != nil) || draft.privateKind != current.privateKind { return "selfEnrollment" }
        if draft.price != current.price { return "price" }
        if draft.locationId != current.location.id { return "locationId" }
        return nil
    }

    /// The draft that reproduces `session`, for merging a PATCH onto it.
    public static func draft(of session: Session) -> SessionDraft {
        let settings = session.publicSettings
        return SessionDraft(
            locationId: session.location.id, name: session.name, examCodes: session.examCodes, room: session.room,
            additionalInstructions: session.additionalInstructions, instructions: session.instructions,
            deliveryPreference: session.deliveryPreference, availability: .init(start: session.start, end: session.end),
            selfEnrollment: settings != nil, privateKind: session.privateKind, bookingDeadline: settings?.bookingDeadline,
            cancellationDeadline: settings?.cancellationDeadline, capacity: settings?.capacity,
            authorizationRequired: settings?.authorizationRequired, price: session.price, candidatesPerProctor: session.candidatesPerProctor
        )
    }

    /// What differs, for `session.updated`. Times compare to the millisecond, the precision they
    /// travel in JSON with.
    public static func changedFields(from old: Session, to new: Session) -> [SessionField] {
        var fields: [SessionField] = []
        if old.name != new.name { fields.append(.name) }
        if old.location.id != new.location.id { fields.append(.location) }
        if old.room != new.room { fields.append(.room) }
        if old.instructions != new.instructions { fields.append(.instructions) }
        if old.additionalInstructions != new.additionalInstructions { fields.append(.additionalInstructions) }
        if old.deliveryPreference != new.deliveryPreference { fields.append(.deliveryPreference) }
        if isMoved(from: old, to: new) { fields.append(.availability) }
        if !sameEnrollment(old.enrollment, new.enrollment) { fields.append(.enrollment) }
        if old.price != new.price { fields.append(.price) }
        if old.candidatesPerProctor != new.candidatesPerProctor { fields.append(.candidatesPerProctor) }
        return fields
    }

    public static func isMoved(from old: Session, to new: Session) -> Bool {
        !sameInstant(old.start, new.start) || !sameInstant(old.end, new.end)
    }

    static func sameInstant(_ a: Date?, _ b: Date?) -> Bool {
        switch (a, b) {
        case let (a?, b?): abs(a.timeIntervalSince(b)) < 0.0005
        case (nil, nil): true
        default: false
        }
    }

    static func sameEnrollment(_ a: Enrollment, _ b: Enrollment) -> Bool {
        switch (a, b) {
        case let (.selfEnrollment(x), .selfEnrollment(y)):
            sameInstant(x.bookingDeadline, y.bookingDeadline) && sameInstant(x.cancellationDeadline, y.cancellationDeadline)
                && x.capacity == y.capacity && x.authorizationRequired == y.authorizationRequired
        case let (.privateSession(x), .privateSession(y)): x == y
        default: false
        }
    }

    static func isSlug(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 64 && value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// How many proctors a session needs, and when two sessions collide for one proctor.
public enum StaffingRules {
    /// `ceil(confirmed / candidatesPerProctor)`: none for an empty session, at least one once anyone is booked.
    public static func requiredProctors(confirmed: Int, candidatesPerProctor: Int) -> Int {
        guard confirmed > 0 else { return 0 }
        return (confirmed + candidatesPerProctor - 1) / candidatesPerProctor
    }

    /// Only a scheduled session takes a proctor, and only an active proctor is given one.
    public static func checkAssignment(of proctor: Proctor, to session: Session) throws(BookingRefusal) {
        guard session.status == .scheduled else { throw .sessionCancelled }
        guard proctor.active else { throw .proctorInactive }
    }

    /// Half-open intervals: a session ending at 12:00 does not collide with one starting at 12:00.
    public static func overlaps(_ a: (start: Date, end: Date), _ b: (start: Date, end: Date)) -> Bool {
        a.start < b.end && b.start < a.end
    }
}

/// A moment as a location's clock shows it: RFC 3339 with that zone's offset at that moment.
public enum LocalTime {
    public static func format(_ date: Date, timeZone identifier: String) -> String {
        let zone = self.zone(identifier)
        // The wall clock there is UTC moved by the offset at that instant.
        let local = UTCFields(date.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: date))))
        return "\(local.year.zeroPadded(4))-\(local.month.zeroPadded(2))-\(local.day.zeroPadded(2))T\(local.hour.zeroPadded(2)):\(local.minute.zeroPadded(2)):\(local.second.zeroPadded(2))"
            + zone.rfc3339Offset(at: date)
    }

    /// Zones by identifier, made once: making a TimeZone loads its rules, which cost more than
    /// formatting the times of a whole calendar page (a profile of `GET /calendar` showed it). The
    /// identifiers are those of testing locations, so the cache stays small.
    private static let zones = Mutex<[String: TimeZone]>([:])

    static func zone(_ identifier: String) -> TimeZone {
        if let known = zones.withLock({ $0[identifier] }) { return known }
        let zone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)!
        zones.withLock { $0[identifier] = zone }
        return zone
    }
}

/// What a change to a session does, as decided before it is stored.
public struct SessionEdit: Sendable, Equatable {
    public var changedFields: [SessionField]
    /// Its start or end moved: candidates are told, and proctors' other sessions are checked for overlap.
    public var moved: Bool
    /// More seats: the waitlist moves up.
    public var capacityRaised: Bool
}

extension SessionRules {
    /// A new session starts in the future.
    public static func checkNew(_ draft: SessionDraft, now: Date) throws(ValidationError) {
        guard draft.availability.start > now else { throw ValidationError(issues: [ValidationIssue(field: "availability.start", message: "must be in the future")]) }
    }

    /// A CSR's change of `current` into `updated` (described by `draft`): only a scheduled session
    /// changes; once candidates hold seats or wait for one, its exams, enrollment, price and location
    /// stay; capacity never drops below the seats taken; and a session moved in time still starts in
    /// the future.
    public static func edit(from current: Session, to updated: Session, draft: SessionDraft, waitlisted: Int, now: Date) throws -> SessionEdit {
        guard current.status == .scheduled else { throw BookingRefusal.sessionCancelled }
        if current.seatsTaken > 0 || waitlisted > 0, let field = frozenOnceBooked(current: current, draft: draft) {
            throw BookingRefusal.sessionHasBookings(field: field)
        }
        if let capacity = updated.publicSettings?.capacity, capacity < current.seatsTaken {
            throw BookingRefusal.capacityBelowBookings(seatsTaken: current.seatsTaken)
        }
        let moved = isMoved(from: current, to: updated)
        if moved, updated.start <= now { throw ValidationError(issues: [ValidationIssue(field: "availability.start", message: "must be in the future")]) }
        return SessionEdit(
            changedFields: changedFields(from: current, to: updated), moved: moved,
            capacityRaised: (updated.publicSettings?.capacity ?? 0) > (current.publicSettings?.capacity ?? 0)
        )
    }
}
