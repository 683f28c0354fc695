import Foundation
import Hummingbird

/// A form as the person filled it in, with a message beside each field that is wrong and the same
/// messages in the summary at the top (linked to their fields).
struct FormState: Sendable {
    struct Field: Sendable {
        var value: String
        var error: String?
    }

    struct SummaryItem: Sendable {
        var field: String
        var message: String
    }

    var fields: [String: Field] = [:]
    /// Problems that belong to no single field.
    var general: [String] = []

    init(values: [String: String] = [:]) {
        for (name, value) in values { fields[name] = Field(value: value) }
    }

    var hasErrors: Bool { !summary.isEmpty || !general.isEmpty }

    /// In the order the fields appear on the page (`order`), so the summary reads top to bottom.
    func summary(order: [String]) -> [SummaryItem] {
        order.compactMap { name in fields[name]?.error.map { SummaryItem(field: name, message: $0) } }
    }

    var summary: [SummaryItem] {
        fields.compactMap { name, field in field.error.map { SummaryItem(field: name, message: $0) } }.sorted { $0.field < $1.field }
    }

    mutating func fail(_ field: String, _ message: String) {
        if fields[field]?.error != nil { return }
        fields[field, default: Field(value: "")].error = message
    }

    func value(_ name: String) -> String { fields[name]?.value ?? "" }

    /// A service's refusal of the whole form: each field problem beside the form field `field(_:)`
    /// maps it to (named by its label), and a refusal without fields in the summary, in plain words.
    mutating func absorb(_ problem: ServiceProblem, field: (String) -> String, labels: [String: String]) {
        for (apiField, message) in problem.fieldErrors {
            let name = field(apiField)
            fail(name, Messages.about(labels[name] ?? "", message))
        }
        if problem.fieldErrors.isEmpty { general.append(RefusalMessages.text(for: problem)) }
    }
}

/// What a form template reads: every field (so each renders), the summary, and whether to show it.
struct FormView: Sendable {
    struct Field: Sendable {
        var name: String
        var value: String
        var error: String?
    }

    var fields: [String: Field]
    var summary: [FormState.SummaryItem]
    var general: [String]
    var hasSummary: Bool
}

extension FormState {
    func view(order: [String]) -> FormView {
        let summary = summary(order: order)
        return FormView(
            fields: Dictionary(uniqueKeysWithValues: order.map { name in
                (name, FormView.Field(name: name, value: fields[name]?.value ?? "", error: fields[name]?.error))
            }),
            summary: summary, general: general, hasSummary: !summary.isEmpty || !general.isEmpty
        )
    }
}

extension Request {
    /// A field of a form sent with GET (a search): as the browser encodes it, a `+` is a space.
    func searchField(_ name: String) -> String? {
        uri.queryParameters.get(name).map { $0.replacingOccurrences(of: "+", with: " ") }
    }
}
