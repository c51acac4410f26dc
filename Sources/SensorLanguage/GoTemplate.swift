public import EventModel

/// The Go `text/template` subset, with sprig functions, that sensors use in `dataTemplate`,
/// `contextTemplate` and data filter `template`, parsed once.
///
/// Supported: text with `{{ … }}` actions (and `{{-`/`-}}` trimming), comments `{{/* … */}}`, fields
/// (`.Input.body.name`, `.`), literals (`"text"`, `` `raw` ``, numbers, `true`, `false`), pipelines
/// (`x | f a`), parenthesised pipelines as arguments, and the functions listed in ``GoTemplate/functions``.
/// Not supported (a parse error): `if`/`range`/`with`/`define`/`template`/`block`/`end`, variables (`$x`),
/// and any other function.
public struct GoTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The functions a template may call (sprig names and semantics).
    public static let functions: [String] = [
        "upper", "lower", "title", "trim", "trimPrefix", "trimSuffix", "trimAll", "nospace", "replace", "default",
        "quote", "squote", "toJson", "toString", "b64enc", "b64dec", "contains", "hasPrefix", "hasSuffix", "len",
        "empty", "cat", "substr", "trunc", "repeat", "index", "printf",
    ]

    package indirect enum Operand: Sendable, Hashable {
        case field([String])
        case string(String)
        case number(Double)
        case bool(Bool)
        case pipeline(Pipeline)
    }

    package struct Command: Sendable, Hashable {
        /// A function name, or `nil` when the command is a single operand.
        package var function: String?
        package var arguments: [Operand]
    }

    package struct Pipeline: Sendable, Hashable {
        package var commands: [Command]
    }

    package enum Piece: Sendable, Hashable {
        case text(String)
        case action(Pipeline)
    }

    package let pieces: [Piece]

    /// The template text as written.
    public let source: String

    /// Parses a template.
    /// - Throws: ``TemplateError`` naming the problem.
    public init(_ source: String) throws(TemplateError) {
        self.source = source
        var parser = TemplateParser(source: source)
        pieces = try parser.parse()
    }

    /// The source text.
    public var description: String { source }

    /// Runs the template with `.Input` bound to `input`.
    /// - Returns: the output text; a missing field prints `<no value>`, as Go does for a map.
    /// - Throws: ``TemplateError`` when a function fails or a field is read from a value that has none.
    public func render(input: EventValue) throws(TemplateError) -> String {
        let root = TemplateValue.map(["Input": .value(input)])
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .action(let pipeline): out += try evaluate(pipeline, dot: root).printed
            }
        }
        return out
    }

    private func evaluate(_ pipeline: Pipeline, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        var previous: TemplateValue?
        for command in pipeline.commands {
            var arguments: [TemplateValue] = []
            for argument in command.arguments { arguments.append(try evaluate(argument, dot: dot)) }
            if let previous { arguments.append(previous) }
            if let function = command.function {
                previous = try TemplateFunctions.call(function, arguments)
            } else {
                guard arguments.count == 1, let value = arguments.first else {
                    throw TemplateError(template: source, reason: "a value cannot take arguments or piped input")
                }
                previous = value
            }
        }
        return previous ?? .missing
    }

    private func evaluate(_ operand: Operand, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .string(let text): return .value(.string(text))
        case .number(let number): return .value(.double(number))
        case .bool(let flag): return .value(.bool(flag))
        case .pipeline(let pipeline): return try evaluate(pipeline, dot: dot)
        case .field(let names):
            var value = dot
            for name in names {
                switch value {
                case .map(let map):
                    value = map[name] ?? .missing
                case .value(.map(let map)):
                    value = map[name].map(TemplateValue.value) ?? .missing
                case .missing, .value(.null):
                    throw TemplateError(
                        template: source,
                        reason: "nil pointer evaluating .\(names.joined(separator: ".")): no '\(name)'")
                default:
                    throw TemplateError(
                        template: source, reason: "can't evaluate field \(name) in a \(value.typeName)")
                }
            }
            return value
        }
    }
}

/// A template that does not parse or does not run.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The template text.
    public var template: String
    /// What is wrong.
    public var reason: String

    /// `template '{{ x }}': reason`.
    public var description: String { "template '\(template)': \(reason)" }
}

/// A value inside a running template: an event value, the root map, or a missing map entry.
enum TemplateValue {
    case value(EventValue)
    case map([String: TemplateValue])
    case missing

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

    /// Whether the value is missing or null (what sprig's `cat` leaves out).
    var isNil: Bool {
        switch self {
        case .missing, .value(.null): true
        default: false
        }
    }

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
        case .timestamp(let time): time.rfc3339
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
