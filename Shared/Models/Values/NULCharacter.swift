/// PostgreSQL text cannot hold the NUL character, and libpq would silently cut a parameter at it, so
/// ExamHall refuses NUL wherever text comes in: a JSON request body, an event, a query parameter.
public enum NULCharacter {
    public static let refusal = "text must not contain the NUL character (\\u0000)"

    /// Whether JSON text carries a NUL inside a string. JSON can only spell it as the escape `\u0000`
    /// (a raw NUL byte is not JSON at all); `\\u0000` is a backslash followed by "u0000" and is fine.
    public static func isEscaped<Bytes: Collection<UInt8>>(in json: Bytes) -> Bool {
        var index = json.startIndex
        while index != json.endIndex {
            guard json[index] == UInt8(ascii: "\\") else {
                json.formIndex(after: &index)
                continue
            }
            json.formIndex(after: &index)
            guard index != json.endIndex else { return false }
            // The escaped character is consumed here, so an escaped backslash never starts a new escape.
            let escaped = json[index]
            json.formIndex(after: &index)
            guard escaped == UInt8(ascii: "u") else { continue }
            var digits = 0
            var probe = index
            while digits < 4, probe != json.endIndex, json[probe] == UInt8(ascii: "0") {
                digits += 1
                json.formIndex(after: &probe)
            }
            if digits == 4 { return true }
        }
        return false
    }
}
