/// Logs never carry an email address: whatever a message, an error or a peer's answer quotes (an SMTP
/// server's "550 <ada@example.org>: unknown", a refused field's value) is replaced before it is written.
public enum AddressRedaction {
    public static let placeholder = "[address]"

    /// `text` with every `local@domain.tld` replaced by the placeholder. Text without "@" is returned
    /// as it is, so the common case costs one scan.
    public static func redacting(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "@")) else { return text }
        return text.replacing(address, with: placeholder)
    }

    nonisolated(unsafe) private static let address = #/[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+/#
}
