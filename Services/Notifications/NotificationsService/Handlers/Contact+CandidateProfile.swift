import ExamHallModels
import ExamHallServiceKit
import Foundation

extension Contact {
    init(_ profile: CandidateProfile) {
        self.init(
            candidateId: profile.externalId, name: "\(profile.firstName) \(profile.lastName)", email: profile.email,
            language: profile.language, timeZone: profile.timeZone
        )
    }
}
