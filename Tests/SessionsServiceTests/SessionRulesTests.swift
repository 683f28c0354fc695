import ExamHallModels
import Foundation
@testable import SessionsService
import Testing

/// The public/private option matrix, session time rules, staffing and local times.
struct SessionRulesTests {
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    static func draft(selfEnrollment: Bool = true, privateKind: PrivateKind? = nil, examCodes: [String] = ["CLOUD-101"]) -> SessionDraft {
        SessionDraft(
            locationId: UUID(), name: "Morning", examCodes: examCodes, room: "B12", additionalInstructions: nil, instructions: "Bring ID",
            deliveryPreference: "in-person", availability: .init(start: start, end: start + 7200), selfEnrollment: selfEnrollment,
            privateKind: privateKind, bookingDeadline: selfEnrollment ? start - 86_400 : nil,
            cancellationDeadline: selfEnrollment ? start - 172_800 : nil, capacity: selfEnrollment ? 20 : nil,
            authorizationRequired: selfEnrollment ? true : nil, price: nil, candidatesPerProctor: nil
        )
    }

    func failures(_ draft: SessionDraft) -> [String] {
        do { _ = try SessionRules.settings(of: draft); return [] } catch { return error.issues.map(\.field) }
    }

    @Test func aPublicSessionKeepsItsOptions() throws {
        let settings = try SessionRules.settings(of: Self.draft())
        #expect(settings.enrollment == .selfEnrollment(PublicSettings(
            bookingDeadline: Self.start - 86_400, cancellationDeadline: Self.start - 172_800, capacity: 20, authorizationRequired: true
        )))
        #expect(settings.candidatesPerProctor == 16)
    }

    @Test func publicOptionsOnAPrivateSessionAreRefusedOneByOne() {
        for field in ["bookingDeadline", "cancellationDeadline", "capacity", "authorizationRequired"] {
            var draft = Self.draft(selfEnrollment: false, privateKind: .individual)
            switch field {
            case "bookingDeadline": draft.bookingDeadline = Self.start - 10
            case "cancellationDeadline": draft.cancellationDeadline = Self.start - 10
            case "capacity": draft.capacity = 5
            default: draft.authorizationRequired = false
            }
            #expect(failures(draft) == [field], "\(field)")
        }
        #expect(failures(Self.draft(selfEnrollment: false, privateKind: .individual)) == [])
    }

    @Test func theKindOfSessionDecidesHowManyExams() {
        #expect(failures(Self.draft(examCodes: ["A-1", "B-2"])) == ["examCodes"])
        #expect(failures(Self.draft(selfEnrollment: false, privateKind: .individual, examCodes: ["A-1", "B-2"])) == ["examCodes"])
        #expect(failures(Self.draft(selfEnrollment: false, privateKind: .common, examCodes: ["A-1", "B-2"])) == [])
        #expect(failures(Self.draft(selfEnrollment: false, privateKind: nil)) == ["privateKind"])
        #expect(failures(Self.draft(selfEnrollment: true, privateKind: .common)) == ["privateKind"])
    }

    @Test func timesMustBeInOrder() {
        var draft = Self.draft()
        draft.availability.end = draft.availability.start
        draft.bookingDeadline = Self.start + 60
        draft.cancellationDeadline = Self.start + 60
        #expect(Set(failures(draft)) == ["availability.end", "bookingDeadline", "cancellationDeadline"])
        var noCapacity = Self.draft()
        noCapacity.capacity = nil
        #expect(failures(noCapacity) == ["capacity"])
        var free = Self.draft()
        free.price = Money(amount: 0, currency: "EUR")
        #expect(failures(free) == ["price.amount"])
    }

    @Test func deadlinesDefaultToTheStart() throws {
        var draft = Self.draft()
        draft.bookingDeadline = nil
        draft.cancellationDeadline = nil
        let settings = try SessionRules.settings(of: draft)
        #expect(settings.enrollment == .selfEnrollment(PublicSettings(bookingDeadline: Self.start, cancellationDeadline: Self.start, capacity: 20, authorizationRequired: true)))
    }

    @Test func requiredProctorsRoundUpFromTheFirstCandidate() {
        #expect(StaffingRules.requiredProctors(confirmed: 0, candidatesPerProctor: 16) == 0)
        #expect(StaffingRules.requiredProctors(confirmed: 1, candidatesPerProctor: 16) == 1)
        #expect(StaffingRules.requiredProctors(confirmed: 16, candidatesPerProctor: 16) == 1)
        #expect(StaffingRules.requiredProctors(confirmed: 17, candidatesPerProctor: 16) == 2)
        #expect(StaffingRules.requiredProctors(confirmed: 50, candidatesPerProctor: 1) == 50)
    }

    @Test func sessionsOverlapOnlyWhenTheyShareTime() {
        let nine = Self.start, ten = Self.start + 3600, eleven = Self.start + 7200
        #expect(StaffingRules.overlaps((nine, eleven), (ten, eleven + 3600)))
        #expect(!StaffingRules.overlaps((nine, ten), (ten, eleven)))
        #expect(StaffingRules.overlaps((nine, eleven + 3600), (ten, eleven)))
    }

    @Test func localTimesFollowDaylightSavingChanges() throws {
        // Europe/Paris springs forward on 2027-03-28 at 02:00 (+01:00 → +02:00): a session from 01:30 UTC+1
        // (00:30Z) to 04:00 UTC+2 (02:00Z) shows both offsets, and lasts 1.5 h, not 2.5 h.
        let start = try #require(Timestamp.parse("2027-03-28T00:30:00Z"))
        let end = try #require(Timestamp.parse("2027-03-28T02:00:00Z"))
        #expect(LocalTime.format(start, timeZone: "Europe/Paris") == "2027-03-28T01:30:00+01:00")
        #expect(LocalTime.format(end, timeZone: "Europe/Paris") == "2027-03-28T04:00:00+02:00")
        // Falling back in New York on 2027-11-07: 01:30 happens twice, told apart by the offset.
        let first = try #require(Timestamp.parse("2027-11-07T05:30:00Z"))
        let second = try #require(Timestamp.parse("2027-11-07T06:30:00Z"))
        #expect(LocalTime.format(first, timeZone: "America/New_York") == "2027-11-07T01:30:00-04:00")
        #expect(LocalTime.format(second, timeZone: "America/New_York") == "2027-11-07T01:30:00-05:00")
        #expect(LocalTime.format(start, timeZone: "Asia/Kolkata") == "2027-03-28T06:00:00+05:30")
    }

    @Test func aSessionWithBookingsKeepsWhatBookingsWereMadeUnder() {
        let session = BookingRulesTests.session()
        var draft = SessionRules.draft(of: session)
        #expect(SessionRules.frozenOnceBooked(current: session, draft: draft) == nil)
        draft.name = "Renamed"
        draft.capacity = 40
        #expect(SessionRules.frozenOnceBooked(current: session, draft: draft) == nil)
        draft.examCodes = ["DATA-201"]
        #expect(SessionRules.frozenOnceBooked(current: session, draft: draft) == "examCodes")
    }
}

/// What `session.updated` says changed, field by field, and what a CSR's change may do.
@Suite struct SessionChangeTests {
    func refusal<T>(_ body: () throws -> T) -> String? {
        do { _ = try body(); return nil } catch let refusal as BookingRefusal { return refusal.problemType } catch { return "\(error)" }
    }

    @Test func aChangeIsDecidedFromTheSessionItsBookingsAndTheTime() throws {
        let now = BookingRulesTests.now
        let booked = BookingRulesTests.session(capacity: 10, seatsTaken: 4)
        var bigger = booked
        bigger.enrollment = .selfEnrollment(PublicSettings(
            bookingDeadline: booked.start, cancellationDeadline: booked.start, capacity: 12, authorizationRequired: false
        ))
        let grown = try SessionRules.edit(from: booked, to: bigger, draft: SessionRules.draft(of: bigger), waitlisted: 0, now: now)
        #expect(grown.capacityRaised && !grown.moved)

        var smaller = booked
        smaller.enrollment = .selfEnrollment(PublicSettings(bookingDeadline: booked.start, cancellationDeadline: booked.start, capacity: 3, authorizationRequired: false))
        #expect(refusal { try SessionRules.edit(from: booked, to: smaller, draft: SessionRules.draft(of: smaller), waitlisted: 0, now: now) } == "capacity-below-bookings")

        var otherExam = SessionRules.draft(of: booked)
        otherExam.examCodes = ["DATA-201"]
        #expect(refusal { try SessionRules.edit(from: booked, to: booked, draft: otherExam, waitlisted: 0, now: now) } == "session-has-bookings")
        let empty = BookingRulesTests.session()
        #expect(refusal { try SessionRules.edit(from: empty, to: empty, draft: otherExam, waitlisted: 2, now: now) } == "session-has-bookings", "a waitlist counts too")

        var past = booked
        past.start = now - 60
        past.end = now + 3600
        #expect(throws: ValidationError.self) { try SessionRules.edit(from: booked, to: past, draft: SessionRules.draft(of: past), waitlisted: 0, now: now) }
        var later = booked
        later.start = booked.start + 86_400
        later.end = booked.end + 86_400
        let moved = try SessionRules.edit(from: booked, to: later, draft: SessionRules.draft(of: later), waitlisted: 0, now: now)
        #expect(moved.moved && moved.changedFields == [.availability])

        let cancelled = BookingRulesTests.session(status: .cancelled)
        #expect(refusal { try SessionRules.edit(from: cancelled, to: cancelled, draft: SessionRules.draft(of: cancelled), waitlisted: 0, now: now) } == "session-cancelled")
    }

    @Test func eachChangeIsNamedAndAMoveToAnotherPlaceToo() {
        let before = BookingRulesTests.session()
        var after = before
        #expect(SessionRules.changedFields(from: before, to: after).isEmpty)
        after.room = "B12"
        after.location = Location(id: UUID(), name: "Lyon", address: "2 place Bellecour", timeZone: "Europe/Paris")
        after.start = before.start + 3600
        after.end = before.end + 3600
        #expect(SessionRules.changedFields(from: before, to: after) == [.location, .room, .availability])
    }

    @Test func deactivatedCatalogEntriesServeOnlyTheSessionsThatAlreadyUseThem() {
        let session = BookingRulesTests.session()
        var closed = session.location
        closed.active = false
        let exam = Exam(code: session.examCodes[0], title: "Cloud", durationMinutes: 90, languages: [], verificationRequired: true, noShowPolicy: .forfeit, active: false)
        var other = exam
        other.code = "OTHER-1"
        #expect(refusal { try CatalogRules.checkUsable(location: closed, exams: [], current: nil) } == "location-inactive")
        #expect(refusal { try CatalogRules.checkUsable(location: closed, exams: [], current: session) } == nil, "a planned session keeps its place")
        var elsewhere = session
        elsewhere.location.id = UUID()
        #expect(refusal { try CatalogRules.checkUsable(location: closed, exams: [], current: elsewhere) } == "location-inactive", "moving there")
        #expect(refusal { try CatalogRules.checkUsable(location: session.location, exams: [exam], current: nil) } == "exam-inactive")
        #expect(refusal { try CatalogRules.checkUsable(location: session.location, exams: [exam], current: session) } == nil)
        #expect(refusal { try CatalogRules.checkUsable(location: session.location, exams: [exam, other], current: session) } == "exam-inactive")

        var renamed = session.location
        #expect(!CatalogRules.candidatesSee(session.location, closed), "deactivating changes nothing a candidate sees")
        renamed.address = "3 quai Saint-Antoine"
        #expect(CatalogRules.candidatesSee(session.location, renamed))
    }
}
