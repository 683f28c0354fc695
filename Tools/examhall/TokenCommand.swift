import ArgumentParser
import ExamHallServiceKit
import Foundation

/// A signed token for local use and scripts.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Print a signed JWT for a role.")

    @Option(help: "admin, csr, proctor, integration or candidate") var role: String
    @Option(help: "Subject: a candidate's external id, a proctor's id, a staff user name") var subject: String
    @Option var name: String?
    @Option var email: String?
    @Option var language: String?
    @Option var timeZone: String?
    @Option(help: "Lifetime in seconds") var ttl: Int = 3600

    func run() async throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))") }
        let authority = await TokenAuthority(secret: try CLIEnvironment.value("EXAMHALL_JWT_SECRET"))
        let principal = Principal(subject: subject, role: role, name: name, email: email, language: language, timeZone: timeZone)
        print(try await authority.sign(principal, validFor: TimeInterval(ttl)))
    }
}
