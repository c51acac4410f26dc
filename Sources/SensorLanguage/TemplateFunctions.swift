import EventModel

/// A template function: its arguments, the piped value last, as Go passes them.
typealias TemplateFunction = @Sendable ([TemplateValue]) throws(CallError) -> TemplateValue

/// The one table of functions templates may call: Go's built-ins and the sprig families, one file per family.
enum TemplateFunctions {
    static let table: [String: TemplateFunction] =
        builtins
        .merging(strings) { $1 }
        .merging(defaults) { $1 }
        .merging(lists) { $1 }
        .merging(math) { $1 }
        .merging(encoding) { $1 }
        .merging(dates) { $1 }

    /// sprig functions refused at load, and why.
    static let refused: [String: String] = {
        let clock = "a firing must not depend on the clock; use the event's time (.Input.time in contextTemplate)"
        let random = "a firing must be deterministic"
        let regex = "Go's `$1` expansion is not implemented: use regexReplaceAllLiteral"
        var refused: [String: String] = [
            "env": "templates do not read the environment", "expandenv": "templates do not read the environment",
            "uuidv4": random, "randAlpha": random, "randAlphaNum": random, "randNumeric": random, "randAscii": random,
            "randInt": random, "shuffle": random,
        ]
        for name in ["now", "ago"] { refused[name] = clock }
        refused["regexReplaceAll"] = regex
        return refused
    }()

    static func arity(_ arguments: [TemplateValue], _ count: Int) throws(CallError) {
        guard arguments.count == count else {
            throw CallError("wrong number of args: want \(count) got \(arguments.count)")
        }
    }

    static func atLeast(_ arguments: [TemplateValue], _ count: Int) throws(CallError) {
        guard arguments.count >= count else {
            throw CallError("wrong number of args: want at least \(count) got \(arguments.count)")
        }
    }

    /// sprig's `cast.ToInt64`: integers, floats truncated, numeric strings, bools; 0 otherwise.
    static func integer(_ value: TemplateValue) -> Int64 {
        switch value.eventValue {
        case .int(let number): return number
        case .uint(let number): return Int64(clamping: number)
        case .double(let number): return Int(truncating: number).map(Int64.init) ?? 0
        case .bool(let flag): return flag ? 1 : 0
        case .string(let text): return Int64(text.trimmingSpaces) ?? 0
        default: return 0
        }
    }

    /// sprig's `cast.ToFloat64`: numbers, numeric strings, bools; 0 otherwise.
    static func float(_ value: TemplateValue) -> Double {
        switch value.eventValue {
        case .int, .uint, .double: value.eventValue.numericValue ?? 0
        case .bool(let flag): flag ? 1 : 0
        case .string(let text): Double(text.trimmingSpaces) ?? 0
        default: 0
        }
    }

    /// A count argument that must fit (`repeat`, `trunc`, `indent`).
    static func count(_ value: TemplateValue, limit: Int = 100_000) throws(CallError) -> Int {
        guard let number = Int(truncating: float(value)), abs(number) <= limit else {
            throw CallError("count \(value.printed) out of range")
        }
        return number
    }

    static let builtins: [String: TemplateFunction] = [
        "eq": { arguments throws(CallError) in
            try atLeast(arguments, 2)
            for other in arguments.dropFirst() {
                if try TemplateComparison.equal(arguments[0], other) { return .bool(true) }
            }
            return .bool(false)
        },
        "ne": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .bool(try !TemplateComparison.equal(arguments[0], arguments[1]))
        },
        "lt": { arguments throws(CallError) in try compare(arguments) { $0 == .less } },
        "le": { arguments throws(CallError) in try compare(arguments) { $0 != .greater } },
        "gt": { arguments throws(CallError) in try compare(arguments) { $0 == .greater } },
        "ge": { arguments throws(CallError) in try compare(arguments) { $0 != .less } },
        "and": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            return arguments.first { !$0.isTrue } ?? arguments[arguments.count - 1]
        },
        "or": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            return arguments.first { $0.isTrue } ?? arguments[arguments.count - 1]
        },
        "not": { arguments throws(CallError) in
            try arity(arguments, 1)
            return .bool(!arguments[0].isTrue)
        },
        "len": { arguments throws(CallError) in
            try arity(arguments, 1)
            switch arguments[0] {
            case .value(.string(let text)): return .int(Int64(text.utf8.count))
            case .value(.array(let elements)): return .int(Int64(elements.count))
            case .value(.map(let map)): return .int(Int64(map.count))
            case .map(let map): return .int(Int64(map.count))
            default: throw CallError("len of type \(arguments[0].typeName)")
            }
        },
        "index": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            var current = arguments[0]
            for key in arguments.dropFirst() { current = try index(current, key) }
            return current
        },
        "slice": { arguments throws(CallError) in try slice(arguments) },
        "printf": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            return .string(GoFormat.format(arguments[0].text, Array(arguments.dropFirst())))
        },
        "print": { arguments throws(CallError) in .string(GoFormat.sprint(arguments)) },
        "println": { arguments throws(CallError) in
            .string(arguments.map(\.printed).joined(separator: " ") + "\n")
        },
        "html": { arguments throws(CallError) in .string(GoEscape.html(GoFormat.sprint(arguments))) },
        "js": { arguments throws(CallError) in .string(GoEscape.js(GoFormat.sprint(arguments))) },
        "urlquery": { arguments throws(CallError) in .string(GoEscape.query(GoFormat.sprint(arguments))) },
    ]

    private static func compare(
        _ arguments: [TemplateValue], _ test: (TemplateComparison.Order) -> Bool
    ) throws(CallError) -> TemplateValue {
        try arity(arguments, 2)
        return .bool(test(try TemplateComparison.order(arguments[0], arguments[1])))
    }

    /// Go's `index` step: a map entry (nil when absent) or a list element (an error when out of range).
    private static func index(_ current: TemplateValue, _ key: TemplateValue) throws(CallError) -> TemplateValue {
        if let member = current.member(key.text) { return member.isNil ? .value(.null) : member }
        guard let elements = current.elements else { throw CallError("can't index item of type \(current.typeName)") }
        guard case .value(let position) = key, let number = position.numericValue, number == number.rounded(),
            let offset = Int(truncating: number)
        else { throw CallError("cannot index slice/array with type \(key.typeName)") }
        guard offset >= 0, offset < elements.count else { throw CallError("index out of range: \(key.printed)") }
        return .value(elements[offset])
    }

    /// Go's `slice x i j`: a sub-list or a substring (bytes).
    private static func slice(_ arguments: [TemplateValue]) throws(CallError) -> TemplateValue {
        guard let subject = arguments.first, arguments.count <= 3 else {
            throw CallError("wrong number of args: want 1 to 3 got \(arguments.count)")
        }
        let bounds = arguments.dropFirst().map { Int(truncating: float($0)) ?? -1 }
        func range(_ count: Int) throws(CallError) -> Range<Int> {
            let start = bounds.first ?? 0
            let end = bounds.count > 1 ? bounds[1] : count
            guard start >= 0, end >= start, end <= count else { throw CallError("slice index out of range") }
            return start..<end
        }
        if let elements = subject.elements { return .list(Array(elements[try range(elements.count)])) }
        if case .value(.string(let text)) = subject {
            let bytes = Array(text.utf8)
            return .string(String(decoding: bytes[try range(bytes.count)], as: UTF8.self))
        }
        throw CallError("can't slice item of type \(subject.typeName)")
    }
}
