import Foundation

/// One option of a select, a radio group or a checkbox list, as a template shows it.
struct Choice: Sendable {
    var value: String
    var label: String
    var selected: Bool = false
    /// The input's id, for radios and checkboxes whose labels point at them.
    var id: String = ""
}

/// One line of a summary list: a label and what it says.
struct Detail: Sendable {
    var label: String
    var value: String
}

/// One page of a searchable list (locations, exams): the search as typed, the page's place, and what
/// the page says about it.
struct ListPaging: Sendable {
    static let pageSize = 50

    var path: String
    var query: String
    var offset: Int

    /// `query` and `offset` as the page's URL gives them.
    init(path: String, query: String?, offset: String? = nil) {
        self.path = path
        self.query = query?.trimmingCharacters(in: .whitespaces) ?? ""
        self.offset = max(0, offset.flatMap(Int.init) ?? 0)
    }

    /// What to ask the service for: a search of at least two characters, and this page.
    var apiQuery: [String: String?] {
        ["query": query.count >= 2 ? String(query.prefix(100)) : nil, "limit": String(Self.pageSize), "offset": String(offset)]
    }

    func view(shown: Int, total: Int, noun: String) -> PagingView {
        let shownTo = offset + shown
        return PagingView(
            query: query,
            summary: total == 0 ? (query.isEmpty ? nil : "No \(noun) match “\(query)”.") : "Showing \(offset + 1) to \(shownTo) of \(total) \(noun).",
            previousLink: offset > 0 ? link(max(0, offset - Self.pageSize)) : nil,
            nextLink: shownTo < total ? link(offset + Self.pageSize) : nil
        )
    }

    private func link(_ offset: Int) -> String {
        var components = URLComponents()
        components.path = path
        components.queryItems = [("query", query), ("offset", String(offset))].filter { !$0.1.isEmpty }.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.string!
    }
}

struct PagingView: Sendable {
    var query: String
    var summary: String?
    var previousLink: String?
    var nextLink: String?
}
