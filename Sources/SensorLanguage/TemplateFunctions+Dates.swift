import EventModel

extension TemplateFunctions {
    /// sprig's date functions over times from `toDate` or unix seconds; `Local` is UTC. Go's layouts
    /// (`2006-01-02T15:04:05Z07:00`) format and parse.
    static let dates: [String: TemplateFunction] = [
        "date": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .string(GoTimeLayout(arguments[0].text).format(try time(arguments[1]), in: .utc))
        },
        "dateInZone": { arguments throws(CallError) in
            try arity(arguments, 3)
            // sprig formats in UTC when the zone is unknown.
            let zone = ZoneRule(identifier: arguments[2].text) ?? .utc
            return .string(GoTimeLayout(arguments[0].text).format(try time(arguments[1]), in: zone))
        },
        "toDate": { arguments throws(CallError) in
            try arity(arguments, 2)
            // sprig's toDate gives Go's zero time for text that does not fit the layout (mustToDate would fail).
            let parsed = GoTimeLayout(arguments[0].text).parse(arguments[1].text)
            return .value(.timestamp(parsed ?? EventTimestamp(seconds: -62_135_596_800)))
        },
        "unixEpoch": { arguments throws(CallError) in
            try arity(arguments, 1)
            return .string(String(try time(arguments[0]).seconds))
        },
    ]

    /// A time argument: a time from `toDate`, or integer unix seconds. sprig would use the current time for anything
    /// else; a firing must not depend on the clock, so that is an error here.
    private static func time(_ value: TemplateValue) throws(CallError) -> EventTimestamp {
        switch value {
        case .value(.timestamp(let time)): return time
        case .value(.int(let seconds)): return EventTimestamp(seconds: seconds)
        default:
            throw CallError(
                "needs a time (from toDate) or unix seconds, got \(value.typeName) (sprig would use the clock)")
        }
    }
}
