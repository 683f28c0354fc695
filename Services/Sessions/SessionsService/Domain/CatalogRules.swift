import ExamHallModels
import Foundation

/// Which exams and locations a session may use, and what a change to a location means for the
/// sessions held there. Pure.
public enum CatalogRules {
    /// A new session, or one moved to another location or given another exam, uses only active
    /// entries; what a session `current` already uses stays usable after a deactivation, so the
    /// sessions already planned are never stranded.
    public static func checkUsable(location: Location, exams: [Exam], current: Session?) throws(BookingRefusal) {
        if !location.active, current?.location.id != location.id { throw .locationInactive }
        if let exam = exams.first(where: { !$0.active && !(current?.examCodes.contains($0.code) ?? false) }) {
            throw .examInactive(examCode: exam.code)
        }
    }

    /// True when the candidates of the location's sessions would see the change: its name, address
    /// or clock, not whether it takes new sessions.
    public static func candidatesSee(_ before: Location, _ after: Location) -> Bool {
        before.name != after.name || before.address != after.address || before.timeZone != after.timeZone
    }

    /// The part of a location a session's history line records when the location changes.
    public static func place(_ location: Location) -> [String: Any] {
        ["locationName": location.name, "address": location.address, "timeZone": location.timeZone]
    }
}
