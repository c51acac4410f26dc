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
/// Lines go through ``LogOutput/standardError``: whole lines, in order, written in batches a few milliseconds
/// apart (at once from `warning` up, and at the process's exit), so concurrent lines never interleave.
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
        var line = Self.render(
            format: format, time: Date(), level: event.level, label: label, message: "\(event.message)",
            metadata: metadata, extra: event.metadata)
        line.append("\n")
        LogOutput.standardError.write(line, now: event.level >= .warning)
    }

    /// One rendered line, without its newline: `metadata` and the record's `extra` (which wins on a key both have),
    /// by key.
    static func render(
        format: LogFormat, time: Date, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata, extra: Logger.Metadata? = nil
    ) -> String {
        var fields: [(key: String, value: Logger.MetadataValue)] = []
        fields.reserveCapacity(metadata.count + (extra?.count ?? 0))
        if let extra {
            for field in metadata where extra[field.key] == nil { fields.append(field) }
            for field in extra { fields.append(field) }
        } else {
            for field in metadata { fields.append(field) }
        }
        fields.sort { $0.key < $1.key }
        var line = ""
        line.reserveCapacity(128 + message.utf8.count + 48 * fields.count)
        switch format {
        case .json:
            line += "{\"time\":"
            line += jsonString(timestamp(time))
            line += ",\"level\":"
            line += jsonString(level.rawValue)
            line += ",\"logger\":"
            line += jsonString(label)
            line += ",\"message\":"
            line += jsonString(message)
            for field in fields {
                line += ","
                line += jsonString(field.key)
                line += ":"
                line += jsonString(text(field.value))
            }
            line += "}"
        case .text:
            line += timestamp(time)
            line += " "
            line += level.rawValue
            line += " ["
            line += label
            line += "] "
            line += message
            for field in fields {
                line += " "
                line += field.key
                line += "="
                line += text(field.value)
            }
        }
        return line
    }

    /// A metadata value as a line shows it.
    private static func text(_ value: Logger.MetadataValue) -> String {
        if case .string(let text) = value { return text }
        return value.description
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
