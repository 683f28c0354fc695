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
