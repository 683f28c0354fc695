/// Service messages shown to people: as a sentence, starting with a capital.
enum Messages {
    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// A service's message about one field, led by the field's name: "Capacity must be between 1 and 100000".
    static func about(_ label: String, _ message: String) -> String {
        guard !label.isEmpty, !message.lowercased().hasPrefix(label.lowercased()) else { return sentence(message) }
        return label + " " + message
    }
}
