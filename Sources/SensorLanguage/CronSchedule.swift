public import EventModel

/// A 5-field cron schedule (`minute hour day-of-month month day-of-week`, as robfig/cron's standard parser),
/// with an optional time zone: the `conditionsReset.byTime` schedule.
///
/// Fields accept `*`, `?`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, and month and
/// weekday names (`JAN`, `MON`). Descriptors `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight`
/// `@hourly` are accepted. As in cron, when both day fields are restricted a day matching either one matches.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    /// The zone the schedule runs in.
    public let zone: ZoneRule
    private let minutes: Set<Int>
    private let hours: Set<Int>
    private let daysOfMonth: Set<Int>
    private let months: Set<Int>
    private let daysOfWeek: Set<Int>
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    /// Parses a schedule.
    /// - Throws: ``CronSyntaxError`` naming the bad field.
    public init(_ expression: String, zone: ZoneRule = .utc) throws(CronSyntaxError) {
        self.expression = expression
        self.zone = zone
        var text = expression.trimmingSpaces
        switch text {
        case "@yearly", "@annually": text = "0 0 1 1 *"
        case "@monthly": text = "0 0 1 * *"
        case "@weekly": text = "0 0 * * 0"
        case "@daily", "@midnight": text = "0 0 * * *"
        case "@hourly": text = "0 * * * *"
        default:
            if text.hasPrefix("@") {
                throw CronSyntaxError(expression: expression, reason: "not supported: descriptor '\(text)'")
            }
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronSyntaxError(
                expression: expression, reason: "expected 5 fields (minute hour day month weekday), got \(fields.count)"
            )
        }
        let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: [:], expression: expression)
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: [:], expression: expression)
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31, names: [:], expression: expression)
        months = try Self.field(
            fields[3], name: "month", range: 1...12,
            names: Dictionary(uniqueKeysWithValues: monthNames.enumerated().map { ($1, $0 + 1) }),
            expression: expression)
        var weekdays = try Self.field(
            fields[4], name: "day of week", range: 0...7,
            names: Dictionary(uniqueKeysWithValues: dayNames.enumerated().map { ($1, $0) }), expression: expression)
        if weekdays.contains(7) {
            weekdays.remove(7)
            weekdays.insert(0)
        }
        daysOfWeek = weekdays
        dayOfMonthRestricted = !(fields[2].hasPrefix("*") || fields[2].hasPrefix("?"))
        dayOfWeekRestricted = !(fields[4].hasPrefix("*") || fields[4].hasPrefix("?"))
    }

    /// The expression and zone.
    public var description: String { "\(expression) (\(zone))" }

    private static func field(
        _ text: String, name: String, range: ClosedRange<Int>, names: [String: Int], expression: String
    ) throws(CronSyntaxError) -> Set<Int> {
        func fail(_ reason: String) -> CronSyntaxError {
            CronSyntaxError(expression: expression, reason: "\(name) '\(text)': \(reason)")
        }
        func number(_ token: Substring) throws(CronSyntaxError) -> Int {
            if let value = Int(token) {
                guard range.contains(value) else {
                    throw fail("\(value) is out of range \(range.lowerBound)-\(range.upperBound)")
                }
                return value
            }
            if let value = names[token.uppercased()] { return value }
            throw fail("'\(token)' is not a number")
        }
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw fail("empty list element") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else { throw fail("bad step '\(pieces[1])'") }
                step = value
            }
            var low: Int
            var high: Int
            if pieces[0] == "*" || pieces[0] == "?" {
                low = range.lowerBound
                high = range.upperBound
            } else {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw fail("bad range") }
                low = try number(bounds[0])
                high = bounds.count == 2 ? try number(bounds[1]) : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw fail("range \(low)-\(high) runs backwards") }
            }
            var value = low
            while value <= high {
                values.insert(value)
                value += step
            }
        }
        return values
    }

    private func matchesDay(_ day: Int64) -> Bool {
        let date = CivilCalendar.date(ofDay: day)
        guard months.contains(date.month) else { return false }
        let domMatch = daysOfMonth.contains(date.day)
        let dowMatch = daysOfWeek.contains(CivilCalendar.weekday(ofDay: day))
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }

    /// Instants further than this from 1970 (about 34,800 years) have no ticks: the calendar arithmetic stays in range.
    static let supportedSeconds: Int64 = 1 << 40

    /// The latest tick at or before `instant`, or `nil` when none happened in the preceding five years.
    public func previousTick(atOrBefore instant: EventTimestamp) -> EventTimestamp? {
        guard instant.seconds > -Self.supportedSeconds, instant.seconds < Self.supportedSeconds else { return nil }
        let local = zone.localSeconds(ofUTC: instant.seconds)
        var day = CivilCalendar.floorDiv(local, 86_400)
        var minuteOfDay = Int((local - day * 86_400) / 60)
        let sortedHours = hours.sorted(by: >)
        let sortedMinutes = minutes.sorted(by: >)
        for _ in 0..<(366 * 5) {
            if matchesDay(day) {
                for hour in sortedHours where hour * 60 <= minuteOfDay {
                    for minute in sortedMinutes where hour * 60 + minute <= minuteOfDay {
                        let localTick = day * 86_400 + Int64(hour * 3600 + minute * 60)
                        let utc = zone.utcSeconds(ofLocal: localTick)
                        if utc <= instant.seconds { return EventTimestamp(seconds: utc) }
                    }
                }
            }
            day -= 1
            minuteOfDay = 24 * 60 - 1
        }
        return nil
    }

    /// The first tick strictly after `instant`, or `nil` when none comes in the next five years.
    public func nextTick(after instant: EventTimestamp) -> EventTimestamp? {
        guard instant.seconds > -Self.supportedSeconds, instant.seconds < Self.supportedSeconds else { return nil }
        let local = zone.localSeconds(ofUTC: instant.seconds)
        var day = CivilCalendar.floorDiv(local, 86_400)
        var minuteOfDay = Int((local - day * 86_400) / 60) + 1
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        for _ in 0..<(366 * 5) {
            if matchesDay(day) {
                for hour in sortedHours where hour * 60 + 59 >= minuteOfDay {
                    for minute in sortedMinutes where hour * 60 + minute >= minuteOfDay {
                        let localTick = day * 86_400 + Int64(hour * 3600 + minute * 60)
                        let utc = zone.utcSeconds(ofLocal: localTick)
                        if utc > instant.seconds { return EventTimestamp(seconds: utc) }
                    }
                }
            }
            day += 1
            minuteOfDay = 0
        }
        return nil
    }
}

/// A cron expression that does not parse.
public struct CronSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The expression.
    public var expression: String
    /// What is wrong.
    public var reason: String

    /// `bad cron '…': reason`.
    public var description: String { "bad cron '\(expression)': \(reason)" }
}
