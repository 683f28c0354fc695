import Foundation

/// Why a message body is not an acceptable event. Each case names what to fix.
public enum EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case notJSON
    case missingField(String)
    case invalidField(String, reason: String)
    case unsupportedSpecVersion(String)
    case unknownType(String)
    case routingKeyMismatch(routingKey: String, type: String)
    case invalid(ValidationError)
    case containsNUL

    /// The JSON path of the field at fault, when one is (the first, for a failed validation).
    public var field: String? {
        switch self {
        case let .missingField(field), let .invalidField(field, _): field
        case let .invalid(error): error.issues.first?.field
        default: nil
        }
    }

    public var description: String {
        switch self {
        case let .tooLarge(bytes, limit): "message too large: \(bytes) bytes, limit \(limit)"
        case .notJSON: "body is not a JSON object"
        case let .missingField(field): "missing field '\(field)'"
        case let .invalidField(field, reason): "invalid field '\(field)': \(reason)"
        case let .unsupportedSpecVersion(version): "unsupported specversion '\(version)', expected '1.0'"
        case let .unknownType(type): "unknown event type '\(type)'"
        case let .routingKeyMismatch(key, type): "routing key '\(key)' does not match event type '\(type)'"
        case let .invalid(error): "validation failed: \(error)"
        case .containsNUL: NULCharacter.refusal
        }
    }
}

/// Turns raw bytes into validated envelopes, translating decoder errors into precise field paths.
public enum EnvelopeDecoder {
    /// Larger bodies are refused before parsing; no legitimate event comes near it.
    public static let defaultMaximumSize = 1 << 20

    public static func metadata(from body: [UInt8], maximumSize: Int = defaultMaximumSize) throws(EnvelopeError) -> EnvelopeMetadata {
        guard body.count <= maximumSize else { throw .tooLarge(bytes: body.count, limit: maximumSize) }
        guard !NULCharacter.isEscaped(in: body) else { throw .containsNUL }
        let data = Data(body)
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else { throw .notJSON }
        let metadata: EnvelopeMetadata
        do {
            metadata = try EventCoding.decoder.decode(EnvelopeMetadata.self, from: data)
        } catch {
            throw translate(error)
        }
        try validate(metadata)
        return metadata
    }

    /// Decodes and validates the full envelope for a known payload type. A well-formed event is parsed
    /// once; anything else is parsed again step by step, so that the reason names the first thing wrong.
    public static func decode<P: EventPayload>(_: P.Type, from body: [UInt8], maximumSize: Int = defaultMaximumSize) throws(EnvelopeError) -> CloudEvent<P> {
        guard body.count <= maximumSize else { throw .tooLarge(bytes: body.count, limit: maximumSize) }
        guard !NULCharacter.isEscaped(in: body) else { throw .containsNUL }
        let event: CloudEvent<P>
        if let parsed = try? EventCoding.decoder.decode(CloudEvent<P>.self, from: Data(body)) {
            try validate(parsed.metadata)
            guard parsed.metadata.type == P.type else { throw .unknownType(parsed.metadata.type.rawValue) }
            event = parsed
        } else {
            let metadata = try metadata(from: body, maximumSize: maximumSize)
            guard metadata.type == P.type else { throw .unknownType(metadata.type.rawValue) }
            do {
                event = try EventCoding.decoder.decode(CloudEvent<P>.self, from: Data(body))
            } catch {
                throw translate(error)
            }
        }
        var v = Validator(prefix: "data")
        event.data.validate(into: &v)
        do { try v.throwIfInvalid() } catch { throw .invalid(error) }
        return event
    }

    private static func validate(_ metadata: EnvelopeMetadata) throws(EnvelopeError) {
        guard metadata.specversion == "1.0" else { throw .unsupportedSpecVersion(metadata.specversion) }
        var v = Validator()
        v.identifier("id", metadata.id)
        v.text("source", metadata.source)
        if let contentType = metadata.datacontenttype, !contentType.hasPrefix("application/json") {
            v.fail("datacontenttype", "must be application/json")
        }
        do { try v.throwIfInvalid() } catch { throw .invalid(error) }
    }

    static func translate(_ error: any Error) -> EnvelopeError {
        guard let error = error as? DecodingError else { return .notJSON }
        switch error {
        case let .keyNotFound(key, context):
            return .missingField(path(context.codingPath + [key]))
        case let .valueNotFound(_, context):
            return .missingField(path(context.codingPath))
        case let .typeMismatch(type, context):
            return .invalidField(path(context.codingPath), reason: "expected \(describe(type))")
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? .notJSON : .invalidField(path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .notJSON
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .reduce("") { $0.isEmpty ? $1 : ($1.hasPrefix("[") ? $0 + $1 : "\($0).\($1)") }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Decimal.Type: "a number"
        case is Bool.Type: "a boolean"
        case is Date.Type: "an RFC 3339 timestamp"
        default: "\(type)"
        }
    }
}
