import EventModel

/// A value inside a running template: an event value, the root map, or a missing map entry (Go's invalid
/// `reflect.Value`, which prints `<no value>`).
enum TemplateValue {
    case value(EventValue)
    case map([String: TemplateValue])
    case missing

    static func string(_ text: String) -> TemplateValue { .value(.string(text)) }
    static func int(_ number: Int64) -> TemplateValue { .value(.int(number)) }
    static func bool(_ flag: Bool) -> TemplateValue { .value(.bool(flag)) }
    static func list(_ elements: [EventValue]) -> TemplateValue { .value(.array(elements)) }

    var typeName: String {
        switch self {
        case .value(let value): value.typeName
        case .map: "map"
        case .missing: "missing value"
        }
    }

    /// What `{{ x }}` prints: Go's `fmt.Sprint` of the value, `<no value>` for a missing map entry.
    var printed: String {
        switch self {
        case .missing: "<no value>"
        case .map: Self.goString(eventValue)
        case .value(let value): Self.goString(value)
        }
    }

    /// The value as a string argument of a sprig function (`toString`): missing and null are "".
    var text: String {
        switch self {
        case .missing, .value(.null): ""
        default: printed
        }
    }

    var eventValue: EventValue {
        switch self {
        case .value(let value): value
        case .missing: .null
        case .map(let map): .map(EventMap(map.mapValues(\.eventValue)))
        }
    }

    /// Whether the value is missing or null (Go's nil).
    var isNil: Bool {
        switch self {
        case .missing, .value(.null): true
        default: false
        }
    }

    /// The elements of a list, or nil when the value is not one.
    var elements: [EventValue]? {
        if case .value(.array(let elements)) = self { elements } else { nil }
    }

    /// The entries of a map, or nil when the value is not one.
    var entries: [String: EventValue]? {
        switch self {
        case .value(.map(let map)): Dictionary(map.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        case .map(let map): map.mapValues(\.eventValue)
        default: nil
        }
    }

    /// The entry `key` of a map value: `.missing` when absent, nil when the value is not a map.
    func member(_ key: String) -> TemplateValue? {
        switch self {
        case .map(let map): map[key] ?? .missing
        case .value(.map(let map)): map[key].map(TemplateValue.value) ?? .missing
        default: nil
        }
    }

    /// Go's truth (`if`, `with`, `and`, `or`, `not`) and sprig's non-`empty`: false for missing, null, false, 0,
    /// "" and empty collections.
    var isTrue: Bool { !isEmpty }

    /// sprig's `empty`: missing, null, false, 0, "" and empty collections.
    var isEmpty: Bool {
        switch self {
        case .missing: true
        case .map(let map): map.isEmpty
        case .value(let value):
            switch value {
            case .null: true
            case .bool(let flag): !flag
            case .int(let number): number == 0
            case .uint(let number): number == 0
            case .double(let number): number == 0
            case .string(let text): text.isEmpty
            case .binary(let bytes): bytes.isEmpty
            case .array(let elements): elements.isEmpty
            case .map(let map): map.isEmpty
            case .timestamp: false
            }
        }
    }

    /// Go's `%v` of a decoded JSON value.
    static func goString(_ value: EventValue) -> String {
        switch value {
        case .null: "<nil>"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .uint(let number): String(number)
        case .double(let number): goFloat(number)
        case .string(let text): text
        case .binary(let bytes): Base64.encode(bytes)
        case .timestamp(let time): GoTimeLayout.timeString.format(time, in: .utc)
        case .array(let elements): "[" + elements.map(goString).joined(separator: " ") + "]"
        case .map(let map):
            "map[" + map.keys.sorted().map { "\($0):\(goString(map[$0] ?? .null))" }.joined(separator: " ") + "]"
        }
    }

    /// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with Go's exponent rules).
    static func goFloat(_ number: Double) -> String {
        guard number.isFinite else { return number.isNaN ? "NaN" : (number < 0 ? "-Inf" : "+Inf") }
        let magnitude = abs(number)
        if magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e21) { return JSONText.number(number) }
        var text = "\(number)"
        if let e = text.firstIndex(of: "e") {
            let exponent = text[text.index(after: e)...]
            let sign = exponent.hasPrefix("-") ? "-" : "+"
            let digits = exponent.drop { $0 == "-" || $0 == "+" }
            text = text[..<e] + "e" + sign + (digits.count < 2 ? "0" : "") + digits
        }
        return text.replacingOccurrences(of: ".0e", with: "e")
    }
}

/// Go's comparison functions (`eq`, `lt`, …): numbers by value (integers and floats alike), strings by bytes,
/// bools for equality only; anything else, or two kinds that differ, is an error as in Go.
enum TemplateComparison {
    enum Operand {
        case none
        case bool(Bool)
        case integer(Int64)
        case unsigned(UInt64)
        case float(Double)
        case string(String)
        case other(String)

        init(_ value: TemplateValue) {
            switch value {
            case .missing, .value(.null): self = .none
            case .value(.bool(let flag)): self = .bool(flag)
            case .value(.int(let number)): self = .integer(number)
            case .value(.uint(let number)): self = .unsigned(number)
            case .value(.double(let number)): self = .float(number)
            case .value(.string(let text)): self = .string(text)
            default: self = .other(value.typeName)
            }
        }
    }

    /// `eq a b`: Go's rule, with nil equal only to nil and lists or maps not comparable.
    static func equal(_ lhs: TemplateValue, _ rhs: TemplateValue) throws(CallError) -> Bool {
        switch (Operand(lhs), Operand(rhs)) {
        case (.none, .none): return true
        case (.none, _), (_, .none): return false
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.bool, _), (_, .bool): throw CallError("incompatible types for comparison")
        case (.other(let type), _), (_, .other(let type)): throw CallError("non-comparable type \(type)")
        default: return try order(lhs, rhs) == .same
        }
    }

    enum Order { case less, same, greater }

    /// The order of two numbers or two strings (`lt`, `le`, `gt`, `ge`).
    static func order(_ lhs: TemplateValue, _ rhs: TemplateValue) throws(CallError) -> Order {
        func compare<T: Comparable>(_ a: T, _ b: T) -> Order { a < b ? .less : (a == b ? .same : .greater) }
        switch (Operand(lhs), Operand(rhs)) {
        case (.string(let a), .string(let b)):
            if a.utf8.elementsEqual(b.utf8) { return .same }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? .less : .greater
        case (.integer(let a), .integer(let b)): return compare(a, b)
        case (.unsigned(let a), .unsigned(let b)): return compare(a, b)
        case (.integer(let a), .unsigned(let b)): return a < 0 ? .less : compare(UInt64(a), b)
        case (.unsigned(let a), .integer(let b)): return b < 0 ? .greater : compare(a, UInt64(b))
        case (.none, _), (_, .none), (.bool, _), (_, .bool), (.other, _), (_, .other):
            throw CallError("invalid type for comparison")
        case (.string, _), (_, .string): throw CallError("incompatible types for comparison")
        default:
            guard let a = lhs.eventValue.numericValue, let b = rhs.eventValue.numericValue else {
                throw CallError("incompatible types for comparison")
            }
            return compare(a, b)
        }
    }
}

/// What a template function reports when it cannot run; the template adds where and which function.
struct CallError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

extension String {
    package func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    package func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
