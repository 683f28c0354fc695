import ExamHallServiceKit
import Foundation

/// The languages candidate pages are written in.
public enum CandidateLanguage: String, Sendable, CaseIterable {
    case en, fr

    /// A candidate's language tag ("fr", "fr-CA", "en-GB", …): French for French, English otherwise.
    public init(tag: String) {
        self = tag.lowercased().split(separator: "-").first == "fr" ? .fr : .en
    }

    /// The other language, offered as a switch on every page.
    public var other: CandidateLanguage { self == .en ? .fr : .en }

    /// The language's name in itself, for the switch.
    public var endonym: String { self == .en ? "English" : "Français" }
}

/// A candidate, as the console knows them from the external system's events.
public struct Candidate: Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String
    public var language: String
    public var timeZone: String

    public init(id: String, name: String, email: String, language: String, timeZone: String) {
        self.id = id
        self.name = name
        self.email = email
        self.language = language
        self.timeZone = timeZone
    }

    /// Who the services see: the candidate's external id, with what notifications need.
    public var principal: Principal {
        Principal(subject: id, role: .candidate, name: name, email: email, language: language, timeZone: timeZone)
    }
}

/// Sign-in links for candidates. Pure.
public enum CandidateSignIn {
    /// How long an emailed sign-in link works (once).
    public static let linkLifetime: TimeInterval = 15 * 60
}
