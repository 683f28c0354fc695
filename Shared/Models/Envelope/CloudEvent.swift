import Foundation

/// A CloudEvents 1.0 JSON envelope around a typed payload.
public struct CloudEvent<Payload: EventPayload>: Codable, Sendable {
    public var specversion: String
    public var id: String
    public var type: EventType
    public var source: String
    public var time: Date
    public var datacontenttype: String
    public var correlationid: String
    public var causationid: String?
    public var data: Payload

    public init(
        id: String = UUID.timeOrdered().uuidString.lowercased(),
        source: String,
        time: Date,
        correlationid: String? = nil,
        causationid: String? = nil,
        data: Payload
    ) {
        self.specversion = "1.0"
        self.id = id
        self.type = Payload.type
        self.source = source
        self.time = time
        self.datacontenttype = "application/json"
        self.correlationid = correlationid ?? id
        self.causationid = causationid
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case specversion, id, type, source, time, datacontenttype, correlationid, causationid, data
    }

    /// External publishers may omit the correlation id: the event then starts its own correlation.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        specversion = try container.decode(String.self, forKey: .specversion)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(EventType.self, forKey: .type)
        source = try container.decode(String.self, forKey: .source)
        time = try container.decode(Date.self, forKey: .time)
        datacontenttype = try container.decodeIfPresent(String.self, forKey: .datacontenttype) ?? "application/json"
        correlationid = try container.decodeIfPresent(String.self, forKey: .correlationid) ?? id
        causationid = try container.decodeIfPresent(String.self, forKey: .causationid)
        data = try container.decode(Payload.self, forKey: .data)
    }

    public var metadata: EnvelopeMetadata {
        EnvelopeMetadata(
            specversion: specversion, id: id, type: type, source: source, time: time,
            datacontenttype: datacontenttype, correlationid: correlationid, causationid: causationid
        )
    }

    /// The JSON body as it goes on the wire.
    public func encoded() throws -> [UInt8] {
        Array(try EventCoding.encoder.encode(self))
    }
}

/// The envelope without its data: what every consumer reads before it knows the payload type.
public struct EnvelopeMetadata: Codable, Sendable, Equatable {
    public var specversion: String
    public var id: String
    public var type: EventType
    public var source: String
    public var time: Date
    public var datacontenttype: String?
    public var correlationid: String?
    public var causationid: String?
}

/// JSON settings shared by every producer and consumer, so dates look the same everywhere.
public enum EventCoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "is not an RFC 3339 timestamp")
            }
            return date
        }
        return decoder
    }()
}

/// RFC 3339 timestamps, with or without fractional seconds.
public enum Timestamp {
    /// `2026-11-23T10:00:00.123Z`. Written by hand: every event and response carries several of these,
    /// and Foundation's date formatting was a measurable share of a booking's CPU time.
    public static func format(_ date: Date) -> String {
        let fields = UTCFields(date)
        return "\(fields.year.zeroPadded(4))-\(fields.month.zeroPadded(2))-\(fields.day.zeroPadded(2))T"
            + "\(fields.hour.zeroPadded(2)):\(fields.minute.zeroPadded(2)):\(fields.second.zeroPadded(2)).\(fields.millisecond.zeroPadded(3))Z"
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .colon)) {
            return date
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon))
    }
}
