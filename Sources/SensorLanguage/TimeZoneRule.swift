import EventModel
import Foundation

/// An IANA time zone (e.g. `America/New_York`), or UTC: turns instants into local wall-clock time.
public struct ZoneRule: Sendable, Hashable, CustomStringConvertible {
    /// The identifier as written; `UTC` when none was given.
    public let identifier: String
    private let zone: TimeZone

    /// UTC.
    public static let utc = ZoneRule(utcZone: ())

    private init(utcZone: ()) {
        identifier = "UTC"
        zone = TimeZone(secondsFromGMT: 0) ?? TimeZone.current
    }

    /// The zone named `identifier`, or `nil` when the system's time zone database does not know it.
    public init?(identifier: String) {
        guard !identifier.isEmpty, let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    /// The zone name.
    public var description: String { identifier }

    /// Seconds to add to UTC to get local time at `seconds` since the epoch.
    package func offset(atUTC seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    /// Local wall-clock seconds since the epoch for a UTC instant (the instant itself at the far ends of the range).
    func localSeconds(ofUTC seconds: Int64) -> Int64 {
        let (local, overflow) = seconds.addingReportingOverflow(offset(atUTC: seconds))
        return overflow ? seconds : local
    }

    /// The UTC instant of a local wall-clock time (for a time skipped or repeated by a DST change, the
    /// offset in force just before it).
    func utcSeconds(ofLocal local: Int64) -> Int64 {
        let (guess, overflow) = local.subtractingReportingOverflow(offset(atUTC: local))
        guard !overflow else { return local }
        let (utc, overflowAgain) = local.subtractingReportingOverflow(offset(atUTC: guess))
        return overflowAgain ? local : utc
    }
}

/// A time of day `HH:MM:SS`, as a time filter's `start` and `stop`.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since midnight.
    public let secondsSinceMidnight: Int

    /// Parses `HH:MM:SS` as Go's `time.Parse("15:04:05", …)` does: one or two hour digits, exactly two minute
    /// and second digits.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, (1...2).contains(parts[0].count), parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2]),
            hour < 24, minute < 60, second < 60
        else { return nil }
        secondsSinceMidnight = hour * 3600 + minute * 60 + second
    }

    /// Earlier in the day.
    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool {
        lhs.secondsSinceMidnight < rhs.secondsSinceMidnight
    }

    /// `HH:MM:SS`.
    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(two(secondsSinceMidnight / 3600)):\(two(secondsSinceMidnight / 60 % 60)):\(two(secondsSinceMidnight % 60))"
    }
}

/// Calendar arithmetic on days since 1970-01-01 (proleptic Gregorian).
enum CivilCalendar {
    /// (year, month 1–12, day 1–31) of a day number.
    static func date(ofDay days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Sunday … 6 = Saturday.
    static func weekday(ofDay days: Int64) -> Int {
        Int(((days % 7) + 7 + 4) % 7)
    }

    /// `value / divisor` rounded down (for a positive divisor), without overflow at `Int64.min`.
    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

extension EventTimestamp {
    /// The local time of day of this instant in `zone`, in seconds since local midnight.
    package func secondOfDay(in zone: ZoneRule) -> Int {
        let local = zone.localSeconds(ofUTC: seconds)
        let remainder = local % 86_400
        return Int(remainder < 0 ? remainder + 86_400 : remainder)
    }
}
