import Foundation
import Logging
import Synchronization

/// One JSON object per line on standard output: what log shippers and `jq` read without parsing rules.
/// Metadata such as `correlationid` and `messageid` become top-level fields. Email addresses in the
/// message or any value are redacted (`AddressRedaction`).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    private static let output = Mutex<Void>(())

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [
            "ts": Self.timestamp(),
            "level": event.level.rawValue,
            "logger": label,
            "msg": AddressRedaction.redacting(event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged { fields[key] = Self.json(value) }
        if event.level >= .warning { fields["source"] = "\(event.file.split(separator: "/").last ?? ""):\(event.line)" }
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardOutput.write(line) }
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case let .string(text): AddressRedaction.redacting(text)
        case let .stringConvertible(convertible): AddressRedaction.redacting(convertible.description)
        case let .array(values): values.map(json)
        case let .dictionary(dictionary): dictionary.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        Date.now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

public enum LoggingBootstrap {
    private static let done = Mutex(false)

    /// Once per process: JSON lines at `level`.
    public static func bootstrap(level: Logger.Level) {
        done.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }
}
