import JWTKit

/// Any JSON value a token's payload may hold. Tokens are read as a map of these, so that the role may
/// sit under any claim an identity provider uses (`role`, `roles`, `realm_access.roles`, …).
public enum ClaimValue: Codable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Most claims are strings, then numbers (exp, iat): tried in that order, a token's claims
        // decode with almost no failed attempts, which cost an error each on every request.
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode([ClaimValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ClaimValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var number: Double? { if case .number(let value) = self { value } else { nil } }
}

/// A token's payload once its signature has been checked; what it says is judged by `TokenPolicy`.
public struct TokenClaims: JWTPayload, Equatable {
    public var values: [String: ClaimValue]

    public init(_ values: [String: ClaimValue]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        // Registered claims are read as their known type, so a usual token decodes without a failed
        // attempt (each costs an error); anything else is read as whatever JSON it is.
        let container = try decoder.container(keyedBy: AnyKey.self)
        var values: [String: ClaimValue] = [:]
        values.reserveCapacity(container.allKeys.count)
        for key in container.allKeys {
            if Self.numericClaims.contains(key.stringValue), let number = try? container.decode(Double.self, forKey: key) {
                values[key.stringValue] = .number(number)
            } else if Self.textClaims.contains(key.stringValue), let text = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = .string(text)
            } else {
                values[key.stringValue] = try container.decode(ClaimValue.self, forKey: key)
            }
        }
        self.values = values
    }

    private static let numericClaims: Set<String> = ["exp", "iat", "nbf"]
    private static let textClaims: Set<String> = ["iss", "sub", "role", "name", "email", "language", "timeZone", "locale", "zoneinfo", "jti"]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    public func verify(using _: some JWTAlgorithm) async throws {}

    /// The value at a dotted path such as `realm_access.roles`.
    public subscript(path path: String) -> ClaimValue? {
        // Nearly every lookup is of a top-level claim.
        if !path.utf8.contains(UInt8(ascii: ".")) { return values[path] }
        var current: ClaimValue? = .object(values)
        for key in path.split(separator: ".") {
            guard case .object(let object) = current else { return nil }
            current = object[String(key)]
        }
        return current
    }
}
