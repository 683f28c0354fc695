import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The link bar every staff page shows, by role.
struct NavigationItem: Sendable {
    var href: String
    var label: String
    var current: Bool
}

/// What every page's layout reads: who is signed in, the CSRF token for its forms, the links, and the
/// words of the frame in the page's language.
struct Page<Content: Sendable>: Sendable {
    var title: String
    var user: User?
    var csrf: String?
    var navigation: [NavigationItem]
    var chrome: Chrome
    var content: Content

    struct User: Sendable {
        var name: String
        var role: String
    }
}

/// The frame around a page: English for staff, the candidate's language on candidate pages.
struct Chrome: Sendable {
    struct LanguageSwitch: Sendable {
        var language: String
        var label: String
        var returnTo: String
    }

    var language = "en"
    var skipLink = "Skip to main content"
    var navigationLabel = "Main"
    var signOut = "Sign out"
    var accountLink: String? = "/account"
    var languageSwitch: LanguageSwitch?

    static let staff = Chrome()

    static func candidate(_ words: CandidateWords, returnTo: String) -> Chrome {
        Chrome(
            language: words.language.rawValue, skipLink: words.skipLink, navigationLabel: words.navigationLabel, signOut: words.signOut, accountLink: nil,
            languageSwitch: LanguageSwitch(language: words.language.other.rawValue, label: words.switchLanguage, returnTo: returnTo)
        )
    }
}

/// Mustache templates shipped with the console; each page extends `layout`.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static func load() async throws -> PageRenderer {
        let directory = Bundle.module.url(forResource: "Templates", withExtension: nil)!
        return PageRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    func render<Content: Sendable>(
        _ template: String, title: String, content: Content, signedIn: SignedIn?, section: String? = nil,
        status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        let page = Page(
            title: title,
            user: signedIn.map { Page<Content>.User(name: $0.account.name, role: $0.account.role.rawValue) },
            csrf: signedIn?.csrfToken,
            navigation: signedIn.map { Self.navigation(for: $0.account.role, current: section) } ?? [],
            chrome: .staff,
            content: content
        )
        return render(template, page: page, status: status, headers: headers)
    }

    /// A candidate's page, in the language they read the console in; `returnTo` is where the language
    /// switch comes back to.
    func render<Content: Sendable>(
        _ template: String, title: String, content: Content, candidate signedIn: SignedInCandidate, words: CandidateWords, section: String?,
        returnTo: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        let links = [("/me", words.home), ("/me/bookings", words.myBookings), ("/me/results", words.myResults)]
        let page = Page(
            title: title, user: Page<Content>.User(name: signedIn.candidate.name, role: "candidate"), csrf: signedIn.csrfToken,
            navigation: links.map { NavigationItem(href: $0.0, label: $0.1, current: $0.0 == section) },
            chrome: .candidate(words, returnTo: returnTo), content: content
        )
        return render(template, page: page, status: status, headers: headers)
    }

    /// A page before sign-in in a candidate's language (the sign-in link pages).
    func render<Content: Sendable>(_ template: String, title: String, content: Content, words: CandidateWords, status: HTTPResponse.Status = .ok) -> Response {
        var chrome = Chrome.candidate(words, returnTo: "/login")
        chrome.languageSwitch = nil
        return render(template, page: Page(title: title, user: nil, csrf: nil, navigation: [], chrome: chrome, content: content), status: status, headers: [:])
    }

    private func render<Content: Sendable>(_ template: String, page: Page<Content>, status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        guard let html = library.render(page, withTemplate: template) else {
            preconditionFailure("the console template \(template) is missing from the bundle")
        }
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func navigation(for role: StaffRole, current: String?) -> [NavigationItem] {
        let staff: [(String, String)] = [
            ("/calendar", "Calendar"), ("/sessions/new", "New session"), ("/authorizations", "Authorizations"), ("/verification", "Verification"),
            ("/exports", "Exports"), ("/templates", "Templates"), ("/exams", "Exams"), ("/locations", "Locations"), ("/proctors", "Proctors"),
        ]
        let items: [(String, String)] = switch role {
        case .admin: staff + [("/admin/accounts", "Accounts")]
        case .csr: staff
        case .proctor: [("/proctor/sessions", "My sessions"), ("/account", "My account")]
        }
        return items.map { NavigationItem(href: $0.0, label: $0.1, current: $0.0 == current) }
    }
}

/// A redirect after a form (303, so the browser follows with GET).
func redirect(to location: String, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.location] = location
    return Response(status: .seeOther, headers: fields)
}
