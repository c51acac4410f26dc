import EventModel

/// A Go time layout (`2006-01-02T15:04:05Z07:00`) cut into its fields: what sprig's `date`, `dateInZone` and
/// `toDate` format and parse with.
struct GoTimeLayout {
    enum Chunk: Equatable {
        case literal(String)
        case year4, year2, month, month2, monthShort, monthLong, day, day2, dayPadded, yearDay
        case hour24, hour12, hour12Padded, minute, minute2, second, second2
        case weekdayShort, weekdayLong, upperAMPM, lowerAMPM, zoneName
        /// `Z07:00`-style offsets: `z` prints `Z` for UTC; `colons` and `seconds` shape the digits.
        case offset(z: Bool, colons: Bool, minutes: Bool, seconds: Bool)
        /// `.000` (fixed) or `.999` (trailing zeros dropped) with this many digits; `separator` is `.` or `,`.
        case fraction(digits: Int, fixed: Bool, separator: Character)
    }

    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    let chunks: [Chunk]

    /// Go's `Time.String` layout: what `{{ x }}` prints for a time.
    static let timeString = GoTimeLayout("2006-01-02 15:04:05.999999999 -0700 MST")

    /// The layout's chunks, longest match first as Go's `nextStdChunk` takes them.
    init(_ layout: String) {
        let table: [(String, Chunk)] = [
            ("January", .monthLong), ("Jan", .monthShort), ("Monday", .weekdayLong), ("Mon", .weekdayShort),
            ("MST", .zoneName), ("2006", .year4), ("002", .yearDay), ("01", .month2), ("02", .day2),
            ("03", .hour12Padded), ("04", .minute2), ("05", .second2), ("06", .year2), ("15", .hour24),
            ("_2", .dayPadded),
            ("1", .month), ("2", .day), ("3", .hour12), ("4", .minute), ("5", .second), ("PM", .upperAMPM),
            ("pm", .lowerAMPM),
            ("Z07:00:00", .offset(z: true, colons: true, minutes: true, seconds: true)),
            ("-07:00:00", .offset(z: false, colons: true, minutes: true, seconds: true)),
            ("Z070000", .offset(z: true, colons: false, minutes: true, seconds: true)),
            ("-070000", .offset(z: false, colons: false, minutes: true, seconds: true)),
            ("Z07:00", .offset(z: true, colons: true, minutes: true, seconds: false)),
            ("-07:00", .offset(z: false, colons: true, minutes: true, seconds: false)),
            ("Z0700", .offset(z: true, colons: false, minutes: true, seconds: false)),
            ("-0700", .offset(z: false, colons: false, minutes: true, seconds: false)),
            ("Z07", .offset(z: true, colons: false, minutes: false, seconds: false)),
            ("-07", .offset(z: false, colons: false, minutes: false, seconds: false)),
        ]
        var chunks: [Chunk] = []
        var rest = Substring(layout)
        var literal = ""
        func flush() {
            if !literal.isEmpty { chunks.append(.literal(literal)) }
            literal = ""
        }
        while let first = rest.first {
            if let fraction = Self.fraction(rest) {
                flush()
                chunks.append(fraction)
                if case .fraction(let digits, _, _) = fraction { rest = rest.dropFirst(digits + 1) }
            } else if rest.hasPrefix("_2006") {
                literal.append("_")
                rest = rest.dropFirst()
            } else if let (text, chunk) = table.first(where: { rest.hasPrefix($0.0) }) {
                flush()
                chunks.append(chunk)
                rest = rest.dropFirst(text.count)
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        flush()
        self.chunks = chunks
    }

    /// `.000`, `,999`, … not followed by a digit.
    private static func fraction(_ text: Substring) -> Chunk? {
        guard let separator = text.first, separator == "." || separator == ",", let digit = text.dropFirst().first,
            digit == "0" || digit == "9"
        else { return nil }
        let run = text.dropFirst().prefix { $0 == digit }
        if let after = text.dropFirst(run.count + 1).first, after.isNumber { return nil }
        return .fraction(digits: run.count, fixed: digit == "0", separator: separator)
    }
}

extension GoTimeLayout {
    /// Go's `Time.Format` of `time` in `zone`.
    func format(_ time: EventTimestamp, in zone: ZoneRule) -> String {
        let offset = zone.offset(atUTC: time.seconds)
        let local = zone.localSeconds(ofUTC: time.seconds)
        let days = CivilCalendar.floorDiv(local, 86_400)
        let (year, month, day) = CivilCalendar.date(ofDay: days)
        let second = Int(local - days * 86_400)
        let hour = second / 3600
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value.magnitude)
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var out = ""
        for chunk in chunks {
            switch chunk {
            case .literal(let text): out += text
            case .year4: out += pad(year, 4)
            case .year2: out += pad(((year % 100) + 100) % 100, 2)
            case .month: out += String(month)
            case .month2: out += pad(Int64(month), 2)
            case .monthShort: out += String(Self.months[month - 1].prefix(3))
            case .monthLong: out += Self.months[month - 1]
            case .day: out += String(day)
            case .day2: out += pad(Int64(day), 2)
            case .dayPadded: out += (day < 10 ? " " : "") + String(day)
            case .yearDay: out += pad(days - Self.day(year: year, month: 1, day: 1) + 1, 3)
            case .hour24: out += pad(Int64(hour), 2)
            case .hour12: out += String(hour % 12 == 0 ? 12 : hour % 12)
            case .hour12Padded: out += pad(Int64(hour % 12 == 0 ? 12 : hour % 12), 2)
            case .minute: out += String(second / 60 % 60)
            case .minute2: out += pad(Int64(second / 60 % 60), 2)
            case .second: out += String(second % 60)
            case .second2: out += pad(Int64(second % 60), 2)
            case .weekdayShort: out += String(Self.weekdays[CivilCalendar.weekday(ofDay: days)].prefix(3))
            case .weekdayLong: out += Self.weekdays[CivilCalendar.weekday(ofDay: days)]
            case .upperAMPM: out += hour < 12 ? "AM" : "PM"
            case .lowerAMPM: out += hour < 12 ? "am" : "pm"
            case .zoneName:
                out +=
                    offset == 0
                    ? "UTC" : Self.offsetText(offset, colons: false, minutes: offset % 3600 != 0, seconds: false)
            case .offset(let z, let colons, let minutes, let seconds):
                out +=
                    z && offset == 0 ? "Z" : Self.offsetText(offset, colons: colons, minutes: minutes, seconds: seconds)
            case .fraction(let digits, let fixed, let separator):
                var text = String(pad(Int64(time.nanoseconds), 9).prefix(digits))
                if !fixed { while text.last == "0" { text.removeLast() } }
                if !text.isEmpty { out += String(separator) + text }
            }
        }
        return out
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of ``CivilCalendar/date(ofDay:)``).
    static func day(year: Int64, month: Int, day: Int) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `-07:00`, `+0530`, `-07`, `+05:30:00`.
    static func offsetText(_ offset: Int64, colons: Bool, minutes: Bool, seconds: Bool) -> String {
        let magnitude = offset.magnitude
        func two(_ value: UInt64) -> String { (value < 10 ? "0" : "") + String(value) }
        var text = (offset < 0 ? "-" : "+") + two(magnitude / 3600)
        if minutes { text += (colons ? ":" : "") + two(magnitude / 60 % 60) }
        if seconds { text += (colons ? ":" : "") + two(magnitude % 60) }
        return text
    }
}

extension GoTimeLayout {
    /// The fields read so far while parsing, and the text left.
    private struct Reading {
        var rest: Substring
        var year: Int64 = 1
        var month = 1
        var day = 1
        var hour = 0
        var minute = 0
        var second = 0
        var nanos = 0
        var pm: Bool?
        var offset: Int64 = 0
        /// Whether the layout has its own fraction chunk (else one after the seconds is read anyway, as Go does).
        let layoutHasFraction: Bool

        mutating func number(_ minWidth: Int, _ maxWidth: Int) -> Int? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }.prefix(maxWidth)
            guard digits.count >= minWidth, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            return value
        }

        mutating func name(_ names: [String], short: Bool) -> Int? {
            for (position, full) in names.enumerated() {
                let candidate = short ? String(full.prefix(3)) : full
                if rest.lowercased().hasPrefix(candidate.lowercased()) {
                    rest = rest.dropFirst(candidate.count)
                    return position
                }
            }
            return nil
        }

        /// Up to nine digits of a fraction, as nanoseconds (more digits are read and dropped).
        mutating func fraction() -> Int {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            var nine = String(digits.prefix(9))
            while nine.count < 9 { nine += "0" }
            return Int(nine) ?? 0
        }

        /// Reads one chunk; false when the text does not fit it.
        mutating func read(_ chunk: Chunk) -> Bool {
            switch chunk {
            case .literal(let literal):
                guard rest.hasPrefix(literal) else { return false }
                rest = rest.dropFirst(literal.count)
                return true
            case .year4:
                let negative = rest.first == "-"
                if negative { rest = rest.dropFirst() }
                guard let value = number(4, 4) else { return false }
                year = Int64(value) * (negative ? -1 : 1)
                return true
            case .year2:
                guard let value = number(2, 2) else { return false }
                year = Int64(value) + (value >= 69 ? 1900 : 2000)
                return true
            case .month, .month2: return Self.store(number(chunk == .month ? 1 : 2, 2), into: &month)
            case .monthShort, .monthLong:
                return Self.store(name(GoTimeLayout.months, short: chunk == .monthShort).map { $0 + 1 }, into: &month)
            case .weekdayShort, .weekdayLong: return name(GoTimeLayout.weekdays, short: chunk == .weekdayShort) != nil
            case .day, .day2, .dayPadded:
                if chunk == .dayPadded, rest.first == " " { rest = rest.dropFirst() }
                return Self.store(number(chunk == .day2 ? 2 : 1, 2), into: &day)
            case .yearDay: return number(3, 3) != nil
            case .hour24, .hour12, .hour12Padded: return Self.store(number(chunk == .hour12 ? 1 : 2, 2), into: &hour)
            case .minute, .minute2: return Self.store(number(chunk == .minute ? 1 : 2, 2), into: &minute)
            case .second, .second2:
                guard Self.store(number(chunk == .second ? 1 : 2, 2), into: &second) else { return false }
                if !layoutHasFraction, let separator = rest.first, separator == "." || separator == ",",
                    rest.dropFirst().first?.isNumber == true
                {
                    rest = rest.dropFirst()
                    nanos = fraction()
                }
                return true
            case .upperAMPM, .lowerAMPM:
                let marker = rest.prefix(2).uppercased()
                guard marker == "AM" || marker == "PM" else { return false }
                pm = marker == "PM"
                rest = rest.dropFirst(2)
                return true
            case .zoneName:
                guard rest.hasPrefix("UTC") || rest.hasPrefix("GMT") else { return false }
                rest = rest.dropFirst(3)
                return true
            case .offset(let z, let colons, let minutes, let seconds):
                guard
                    let parsed = GoTimeLayout.parseOffset(
                        &rest, z: z, colons: colons, minutes: minutes, seconds: seconds)
                else { return false }
                offset = parsed
                return true
            case .fraction(let digits, let fixed, _):
                guard rest.first == "." || rest.first == "," else { return !fixed }
                rest = rest.dropFirst()
                let before = rest.count
                nanos = fraction()
                return !fixed || before - rest.count == digits
            }
        }

        private static func store(_ value: Int?, into field: inout Int) -> Bool {
            guard let value else { return false }
            field = value
            return true
        }
    }

    /// Go's `time.Parse` of `text`, in UTC when the layout has no offset; nil when the text does not fit.
    func parse(_ text: String) -> EventTimestamp? {
        var reading = Reading(rest: Substring(text), layoutHasFraction: chunks.contains(where: Self.isFraction))
        for chunk in chunks where !reading.read(chunk) { return nil }
        guard reading.rest.isEmpty, (1...12).contains(reading.month), (1...31).contains(reading.day),
            reading.minute < 60, reading.second < 60
        else { return nil }
        var hour = reading.hour
        if let pm = reading.pm {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard hour < 24, (-9999...9999).contains(reading.year) else { return nil }
        let days = Self.day(year: reading.year, month: reading.month, day: reading.day)
        guard CivilCalendar.date(ofDay: days).day == reading.day else { return nil }
        let local = days * 86_400 + Int64(hour * 3600 + reading.minute * 60 + reading.second)
        return EventTimestamp(seconds: local - reading.offset, nanoseconds: UInt32(reading.nanos))
    }

    private static func isFraction(_ chunk: Chunk) -> Bool {
        if case .fraction = chunk { true } else { false }
    }

    fileprivate static func parseOffset(
        _ rest: inout Substring, z: Bool, colons: Bool, minutes: Bool, seconds: Bool
    ) -> Int64? {
        if z, rest.first == "Z" {
            rest = rest.dropFirst()
            return 0
        }
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        rest = rest.dropFirst()
        func two() -> Int64? {
            let digits = rest.prefix(2)
            guard digits.count == 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits)
            else { return nil }
            rest = rest.dropFirst(2)
            return value
        }
        func separator() -> Bool {
            guard colons else { return true }
            guard rest.first == ":" else { return false }
            rest = rest.dropFirst()
            return true
        }
        guard let hours = two() else { return nil }
        var total = hours * 3600
        if minutes {
            guard separator(), let value = two() else { return nil }
            total += value * 60
        }
        if seconds {
            guard separator(), let value = two() else { return nil }
            total += value
        }
        return sign == "-" ? -total : total
    }
}
