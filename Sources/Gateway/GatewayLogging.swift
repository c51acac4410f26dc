import EventModel
import Foundation
public import Logging

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line: `time`, `level`, `message`, `logger` and the metadata as strings.
    case json
    /// `time level [label] message key=value…`.
    case text
}

/// A swift-log handler writing one line per record to standard error, as JSON or text.
///
/// Writes go straight to file descriptor 2 with one `write` per line, so concurrent lines never interleave.
public struct GatewayLogHandler: LogHandler {
    private let label: String
    private let format: LogFormat
    /// The level below which records are dropped.
    public var logLevel: Logger.Level
    /// Metadata added to every record of this logger.
    public var metadata: Logger.Metadata = [:]

    /// Creates a handler.
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - format: JSON or text.
    ///   - level: the minimum level.
    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    /// Metadata of this logger by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one record.
    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.render(
            format: format, time: Date(), level: event.level, label: label, message: "\(event.message)",
            metadata: merged)
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// One rendered line, without its newline.
    static func render(
        format: LogFormat, time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        let timestamp = timestamp(time)
        switch format {
        case .json:
            var fields: [(String, String)] = [
                ("time", timestamp), ("level", level.rawValue), ("logger", label), ("message", message),
            ]
            for key in metadata.keys.sorted() { fields.append((key, "\(metadata[key] ?? "")")) }
            return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
        case .text:
            let pairs = metadata.keys.sorted().map { "\($0)=\(metadata[$0] ?? "")" }.joined(separator: " ")
            return "\(timestamp) \(level.rawValue) [\(label)] \(message)" + (pairs.isEmpty ? "" : " " + pairs)
        }
    }

    /// `time` in UTC to the millisecond, as ISO 8601 without a zone designator (`2026-12-05T09:40:12.345`), written
    /// out directly: Foundation's format style was the most expensive part of a log line.
    static func timestamp(_ time: Date) -> String {
        let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded(.down))
        let (seconds, millisecond) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        var whole = time_t(millisecond < 0 ? seconds - 1 : seconds)
        var parts = tm()
        gmtime_r(&whole, &parts)
        let fields: [(value: Int, width: Int, separator: UInt8?)] = [
            (Int(parts.tm_year) + 1900, 4, UInt8(ascii: "-")), (Int(parts.tm_mon) + 1, 2, UInt8(ascii: "-")),
            (Int(parts.tm_mday), 2, UInt8(ascii: "T")), (Int(parts.tm_hour), 2, UInt8(ascii: ":")),
            (Int(parts.tm_min), 2, UInt8(ascii: ":")), (Int(parts.tm_sec), 2, UInt8(ascii: ".")),
            (Int(millisecond < 0 ? millisecond + 1000 : millisecond), 3, nil),
        ]
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var end = 0
            for (value, width, separator) in fields {
                var rest = value
                for position in stride(from: end + width - 1, through: end, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                end += width
                if let separator {
                    buffer[end] = separator
                    end += 1
                }
            }
            return end
        }
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        JSONCodec.encodeToString(.string(text))
    }
}
