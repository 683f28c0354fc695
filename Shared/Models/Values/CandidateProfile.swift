import Foundation

/// A candidate as the external payment system knows them; `externalId` is their identity everywhere.
public struct CandidateProfile: Codable, Sendable, Equatable, Validatable {
    public var externalId: String
    public var firstName: String
    public var lastName: String
    public var email: String
    public var language: String
    public var timeZone: String

    public init(externalId: String, firstName: String, lastName: String, email: String, language: String, timeZone: String) {
        self.externalId = externalId
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.language = language
        self.timeZone = timeZone
    }

    public var fullName: String { "\(firstName) \(lastName)" }

    public func validate(into v: inout Validator) {
        v.identifier("externalId", externalId)
        v.text("firstName", firstName, maxLength: 100)
        v.text("lastName", lastName, maxLength: 100)
        v.email("email", email)
        v.language("language", language)
        v.timeZone("timeZone", timeZone)
    }
}

/// The contact part of a candidate that notifications need, carried inside events.
public struct CandidateContact: Codable, Sendable, Equatable, Validatable {
    public var name: String
    public var email: String
    public var language: String
    public var timeZone: String

    public init(name: String, email: String, language: String, timeZone: String) {
        self.name = name
        self.email = email
        self.language = language
        self.timeZone = timeZone
    }

    public init(_ profile: CandidateProfile) {
        self.init(name: profile.fullName, email: profile.email, language: profile.language, timeZone: profile.timeZone)
    }

    public func validate(into v: inout Validator) {
        v.text("name", name)
        v.email("email", email)
        v.language("language", language)
        v.timeZone("timeZone", timeZone)
    }
}

/// A price: an amount in a currency. Free sessions carry no price at all.
public struct Money: Codable, Sendable, Equatable, Validatable {
    public var amount: Decimal
    public var currency: String

    public init(amount: Decimal, currency: String) {
        self.amount = amount
        self.currency = currency
    }

    public func validate(into v: inout Validator) {
        v.nonNegative("amount", amount)
        v.currency("currency", currency)
    }
}
