/// The enum case a stored value names. A value this version does not know (written by a newer one, or
/// by hand) is an error, never quietly read as some other case.
public func known<T: RawRepresentable>(_ type: T.Type, _ raw: T.RawValue, column: String) throws -> T {
    guard let value = T(rawValue: raw) else {
        throw PostgresError(kind: .query, message: "\(column) holds '\(raw)', which this version of ExamHall does not know")
    }
    return value
}
