@testable import ConsoleService
import Foundation
import Testing

@Suite struct CandidateLanguageTests {
    @Test func frenchTagsReadFrenchAndEverythingElseEnglish() {
        #expect(CandidateLanguage(tag: "fr") == .fr)
        #expect(CandidateLanguage(tag: "fr-CA") == .fr)
        #expect(CandidateLanguage(tag: "FR") == .fr)
        #expect(CandidateLanguage(tag: "en-GB") == .en)
        #expect(CandidateLanguage(tag: "de") == .en)
        #expect(CandidateLanguage(tag: "") == .en)
    }

    @Test func frenchDatesAreLowerCaseWithTheOffset() {
        let start = ISO8601DateFormatter().date(from: "2026-12-12T08:00:00Z")!
        #expect(DisplayTime.dateAndTime(start, timeZone: "Europe/Paris", language: .fr) == "samedi 12 décembre 2026, 09:00 (Europe/Paris, UTC+1)")
        #expect(
            DisplayTime.dayAndTimeRange(start, start + 10_800, timeZone: "Europe/Paris", language: .fr)
                == "samedi 12 décembre 2026, 09:00–12:00 (Europe/Paris, UTC+1)"
        )
    }

    @Test func everyWordIsWrittenInBothLanguagesWithFrenchSpacing() {
        let english = Mirror(reflecting: CandidateWords.english).children.compactMap { $0.value as? String }
        let french = Mirror(reflecting: CandidateWords.french).children.compactMap { child in (child.value as? String).map { (child.label ?? "", $0) } }
        #expect(english.count == french.count && english.count > 50)
        for (label, text) in french {
            #expect(!text.isEmpty, "\(label) is written")
            // A non-breaking space (not a plain one, nor none) before : ? ! ; — but not in "https://".
            for mark in [":", "?", "!", ";"] {
                for range in text.ranges(of: mark) where !text[range.upperBound...].hasPrefix("//") {
                    let before = text[..<range.lowerBound].last
                    #expect(before == "\u{00A0}", "\(label): '\(mark)' needs a non-breaking space before it in \"\(text)\"")
                }
            }
        }
        #expect(CandidateWords.french.book == "Réserver" && CandidateWords.english.book == "Book")
    }

    @Test func refusalsAreExplainedInBothLanguages() {
        for type in ["session-full", "booking-deadline-passed", "cancellation-deadline-passed", "already-booked", "authorization-required",
                     "authorization-expires-before-session", "session-started", "price-differs"] {
            #expect(CandidateWords.english.refusal(type) != nil, "\(type) in English")
            #expect(CandidateWords.french.refusal(type) != nil, "\(type) in French")
        }
        #expect(CandidateWords.english.refusal("validation-failed") == nil, "a refusal a candidate never meets falls back to the service's words")
    }
}

@Suite struct CandidateBookingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func offer(_ id: String, exam: String = "NET-201", startsIn hours: Double = 48, deadlineIn: Double? = nil, required: Bool = false) -> CandidateBooking.Offer {
        CandidateBooking.Offer(
            sessionId: id, examCode: exam, start: now + hours * 3600, bookingDeadline: deadlineIn.map { now + $0 * 3600 }, authorizationRequired: required
        )
    }

    @Test func sessionsStillOpenForAnExamTheCandidateMayTakeAreOffered() {
        let offers = [
            offer("open"),
            offer("deadline-passed", deadlineIn: -1),
            offer("started", startsIn: -1),
            offer("needs-authorization", exam: "SEC-301", required: true),
            offer("held", exam: "CLOUD-101", required: true),
        ]
        let (ids, booked) = CandidateBooking.offered(offers, openAuthorizationExams: ["CLOUD-101"], activeBookingExams: [], now: now)
        #expect(ids == ["open", "held"])
        #expect(booked.isEmpty)
    }

    @Test func anExamAlreadyBookedIsNotOfferedAgainButNamed() {
        let (ids, booked) = CandidateBooking.offered(
            [offer("a"), offer("b", exam: "SEC-301")], openAuthorizationExams: [], activeBookingExams: ["NET-201"], now: now
        )
        #expect(ids == ["b"])
        #expect(booked == ["NET-201"])
    }

    @Test func onlyBookingsThatHoldOrAwaitASeatAreActive() {
        #expect(["confirmed", "awaiting-payment", "waitlisted"].allSatisfy(CandidateBooking.isActive))
        #expect(!["cancelled", "expired", "rejected", "completed", "no-show"].contains(where: CandidateBooking.isActive))
    }
}
