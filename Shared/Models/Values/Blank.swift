extension StringProtocol {
    /// Empty or only whitespace and line breaks. Every field of every event is checked with this, and
    /// Foundation's `trimmingCharacters` costs a bridge through NSString each time.
    public var isBlank: Bool { allSatisfy(\.isWhitespace) }

    /// Without leading and trailing whitespace and line breaks.
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
