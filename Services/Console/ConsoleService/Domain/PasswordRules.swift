/// What a staff password must be. Length over composition rules, as NIST SP 800-63B advises.
public enum PasswordRules {
    public static let minimumLength = 12
    /// bcrypt reads at most 72 bytes; longer passwords would be cut short without a word.
    public static let maximumBytes = 72

    /// A message for the person, or nil when the password will do.
    public static func problem(with password: String) -> String? {
        if password.count < minimumLength { return "Enter a password of \(minimumLength) characters or more" }
        if password.utf8.count > maximumBytes { return "Enter a password of at most \(maximumBytes) bytes" }
        return nil
    }
}
