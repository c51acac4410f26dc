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
///
/// The handler fits in three words (its shared `Settings`, the fields, the level), so a `Logger`'s existential holds it
/// inline: copying a logger to set a key allocates no box for the handler.
public struct GatewayLogHandler: LogHandler {
    /// What every copy of a handler shares.
    private final class Settings: Sendable {
        let label: String
        let format: LogFormat

        init(label: String, format: LogFormat) {
            self.label = label
            self.format = format
        }
    }

    private let settings: Settings
    private var fields = SortedMetadata()
    /// The level below which records are dropped.
    public var logLevel: Logger.Level

    /// Creates a handler.
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - format: JSON or text.
    ///   - level: the minimum level.
    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.settings = Settings(label: label, format: format)
        self.logLevel = level
    }

    /// Metadata added to every record of this logger.
    public var metadata: Logger.Metadata {
        get { fields.dictionary }
        set { fields = SortedMetadata(newValue) }
    }

    /// Metadata of this logger by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { fields[key] }
        set { fields[key] = consume newValue }
    }

    /// Writes one record.
    public func log(event: LogEvent) {
        var line: [UInt8] = []
        Self.render(
            format: settings.format, time: Date(), level: event.level, label: settings.label,
            message: event.message.description, metadata: fields, extra: event.metadata, into: &line)
        line.append(UInt8(ascii: "\n"))
        LogOutput.standardError.write(line, now: event.level >= .warning)
    }

    /// Appends one line, without its newline, to `line`: `metadata` and the record's `extra` (which wins on a key both
    /// have), by key.
    static func render(
        format: LogFormat, time: Date, level: Logger.Level, label: String, message: String,
        metadata: SortedMetadata, extra: Logger.Metadata?, into line: inout [UInt8]
    ) {
        line.reserveCapacity(line.count + 160 + message.utf8.count + 64 * (metadata.fields.count + (extra?.count ?? 0)))
        let (fieldSeparator, keySeparator): (UInt8, UInt8)
        let writeString: (String, inout [UInt8]) -> Void
        switch format {
        case .json:
            line.append(contentsOf: #"{"time":""#.utf8)
            writeTimestamp(time, into: &line)
            line.append(contentsOf: #"","level":"#.utf8)
            JSONCodec.writeString(level.rawValue, into: &line)
            line.append(contentsOf: #","logger":"#.utf8)
            JSONCodec.writeString(label, into: &line)
            line.append(contentsOf: #","message":"#.utf8)
            JSONCodec.writeString(message, into: &line)
            (fieldSeparator, keySeparator, writeString) = (UInt8(ascii: ","), UInt8(ascii: ":"), JSONCodec.writeString)
        case .text:
            writeTimestamp(time, into: &line)
            line.append(UInt8(ascii: " "))
            write(level.rawValue, into: &line)
            line.append(contentsOf: " [".utf8)
            write(label, into: &line)
            line.append(contentsOf: "] ".utf8)
            write(message, into: &line)
            (fieldSeparator, keySeparator, writeString) = (UInt8(ascii: " "), UInt8(ascii: "="), write)
        }
        metadata.forEach(merging: extra) { key, value in
            line.append(fieldSeparator)
            writeString(key, &line)
            line.append(keySeparator)
            writeString(text(value), &line)
        }
        if format == .json { line.append(UInt8(ascii: "}")) }
    }

    /// A metadata value as a line shows it.
    private static func text(_ value: Logger.MetadataValue) -> String {
        if case .string(let text) = value { return text }
        return value.description
    }

    /// Appends the UTF-8 of `text` to `line`.
    private static func write(_ text: String, into line: inout [UInt8]) {
        var text = text
        text.withUTF8 { line.append(contentsOf: $0) }
    }

    /// Appends `time` in UTC to the millisecond, as ISO 8601 without a zone designator (`2026-12-05T09:40:12.345`),
    /// computed from the count of days: neither Foundation's format style nor `gmtime_r` (which takes glibc's time
    /// zone lock) on the way of each line.
    static func writeTimestamp(_ time: Date, into line: inout [UInt8]) {
        let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded(.down))
        let millisecondsPerDay: Int64 = 86_400_000
        let days = floorDivision(milliseconds, millisecondsPerDay)
        let ofDay = milliseconds - days * millisecondsPerDay
        let (year, month, day) = EventTimestamp.civilDate(daysSinceEpoch: days)
        writeDigits(year, width: 4, into: &line)
        line.append(UInt8(ascii: "-"))
        writeDigits(month, width: 2, into: &line)
        line.append(UInt8(ascii: "-"))
        writeDigits(day, width: 2, into: &line)
        line.append(UInt8(ascii: "T"))
        writeDigits(ofDay / 3_600_000, width: 2, into: &line)
        line.append(UInt8(ascii: ":"))
        writeDigits(ofDay / 60_000 % 60, width: 2, into: &line)
        line.append(UInt8(ascii: ":"))
        writeDigits(ofDay / 1000 % 60, width: 2, into: &line)
        line.append(UInt8(ascii: "."))
        writeDigits(ofDay % 1000, width: 3, into: &line)
    }

    /// `dividend / divisor` rounded towards negative infinity (`divisor` positive).
    private static func floorDivision(_ dividend: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = dividend.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// Appends the last `width` decimal digits of `value` (not negative), zero-padded.
    private static func writeDigits(_ value: Int64, width: Int, into line: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            line.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}
