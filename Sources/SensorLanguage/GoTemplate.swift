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
package enum TemplateValue {
    case value(EventValue)
    case map([String: TemplateValue])
    case missing

    package var typeName: String {
        switch self {
        case .value(let value): value.typeName
        case .map: "map"
        case .missing: "missing value"
        }
    }

    /// What `{{ x }}` prints: Go's `fmt.Sprint` of the value, `<no value>` for a missing map entry.
    package var printed: String {
        switch self {
        case .missing: "<no value>"
        case .map: Self.goString(eventValue)
        case .value(let value): Self.goString(value)
        }
    }

    /// The value as a string argument of a sprig function (`toString`): missing and null are "".
    package var text: String {
        switch self {
        case .missing, .value(.null): ""
        default: printed
        }
    }

    package var eventValue: EventValue {
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
    package var isEmpty: Bool {
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

package enum TemplateFunctions {
    package static func call(_ name: String, _ arguments: [TemplateValue]) throws(TemplateError) -> TemplateValue {
        func fail(_ reason: String) -> TemplateError {
            TemplateError(template: name, reason: reason)
        }
        func need(_ count: Int) throws(TemplateError) {
            guard arguments.count == count else {
                throw fail("\(name) takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.count)")
            }
        }
        func string(_ text: String) -> TemplateValue { .value(.string(text)) }
        switch name {
        case "upper":
            try need(1)
            return string(arguments[0].text.uppercased())
        case "lower":
            try need(1)
            return string(arguments[0].text.lowercased())
        case "title":
            try need(1)
            var out = ""
            var atWordStart = true
            for character in arguments[0].text {
                if character.isWhitespace || character == "-" || character == "_" {
                    atWordStart = true
                    out.append(character)
                } else if atWordStart {
                    out += character.uppercased()
                    atWordStart = false
                } else {
                    out.append(character)
                }
            }
            return string(out)
        case "trim":
            try need(1)
            return string(arguments[0].text.trimmingSpaces)
        case "trimPrefix":
            try need(2)
            let prefix = arguments[0].text
            let text = arguments[1].text
            return string(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        case "trimSuffix":
            try need(2)
            let suffix = arguments[0].text
            let text = arguments[1].text
            return string(text.hasSuffix(suffix) ? String(text.dropLast(suffix.count)) : text)
        case "trimAll":
            try need(2)
            let cut = Set(arguments[0].text)
            var text = Substring(arguments[1].text)
            while let first = text.first, cut.contains(first) { text.removeFirst() }
            while let last = text.last, cut.contains(last) { text.removeLast() }
            return string(String(text))
        case "nospace":
            try need(1)
            return string(String(arguments[0].text.filter { !$0.isWhitespace }))
        case "replace":
            try need(3)
            return string(arguments[2].text.replacingOccurrences(of: arguments[0].text, with: arguments[1].text))
        case "default":
            try need(2)
            return arguments[1].isEmpty ? arguments[0] : arguments[1]
        case "quote":
            guard !arguments.isEmpty else { throw fail("quote takes at least 1 argument") }
            return string(arguments.map { JSONText.quote($0.text) }.joined(separator: " "))
        case "squote":
            guard !arguments.isEmpty else { throw fail("squote takes at least 1 argument") }
            return string(arguments.map { "'" + $0.text + "'" }.joined(separator: " "))
        case "toJson":
            try need(1)
            return string(JSONText.render(arguments[0].eventValue, sortedKeys: true))
        case "toString":
            try need(1)
            return string(arguments[0].text)
        case "b64enc":
            try need(1)
            return string(Base64.encode(Array(arguments[0].text.utf8)))
        case "b64dec":
            try need(1)
            guard let bytes = Base64.decode(arguments[0].text) else {
                throw fail("b64dec: illegal base64 data")
            }
            return string(String(decoding: bytes, as: UTF8.self))
        case "contains":
            try need(2)
            return .value(.bool(arguments[1].text.contains(arguments[0].text)))
        case "hasPrefix":
            try need(2)
            return .value(.bool(arguments[1].text.hasPrefix(arguments[0].text)))
        case "hasSuffix":
            try need(2)
            return .value(.bool(arguments[1].text.hasSuffix(arguments[0].text)))
        case "len":
            try need(1)
            switch arguments[0] {
            case .value(.array(let elements)): return .value(.int(Int64(elements.count)))
            case .value(.map(let map)): return .value(.int(Int64(map.count)))
            case .value(.string(let text)): return .value(.int(Int64(text.utf8.count)))
            default: throw fail("len of a \(arguments[0].typeName)")
            }
        case "empty":
            try need(1)
            return .value(.bool(arguments[0].isEmpty))
        case "cat":
            return string(arguments.filter { !$0.isNil }.map(\.text).joined(separator: " "))
        case "substr":
            try need(3)
            let text = Array(arguments[2].text)
            let start = max(0, Int(truncating: arguments[0].eventValue.gjsonFloat) ?? 0)
            var end = Int(truncating: arguments[1].eventValue.gjsonFloat) ?? -1
            if end < 0 || end > text.count { end = text.count }
            return string(start < end ? String(text[start..<end]) : "")
        case "trunc":
            try need(2)
            let text = Array(arguments[1].text)
            guard let count = Int(truncating: arguments[0].eventValue.gjsonFloat) else {
                throw fail("trunc count out of range")
            }
            if count >= 0 { return string(String(text.prefix(count))) }
            return string(String(text.suffix(-count)))
        case "index":
            guard var current = arguments.first else { throw fail("index takes a value and keys") }
            for key in arguments.dropFirst() {
                switch (current, key) {
                case (.value(.map(let map)), _):
                    current = map[key.text].map(TemplateValue.value) ?? .missing
                case (.map(let map), _):
                    current = map[key.text] ?? .missing
                case (.value(.array(let elements)), .value(let position)):
                    guard let index = Int(truncating: position.gjsonFloat), index >= 0, index < elements.count else {
                        throw fail("index \(position.gjsonString) out of range")
                    }
                    current = .value(elements[index])
                default:
                    throw fail("can't index a \(current.typeName)")
                }
            }
            return current
        case "printf":
            guard let format = arguments.first else { throw fail("printf takes a format") }
            return string(try GoFormat.format(format.text, Array(arguments.dropFirst())))
        case "repeat":
            try need(2)
            guard let count = Int(truncating: arguments[0].eventValue.gjsonFloat), count >= 0, count <= 10_000 else {
                throw fail("repeat count out of range")
            }
            return string(String(repeating: arguments[1].text, count: count))
        default:
            throw fail("function \"\(name)\" not defined")
        }
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%s`, `%v`, `%d`, `%q`, `%%`.
package enum GoFormat {
    package static func format(_ format: String, _ arguments: [TemplateValue]) throws(TemplateError) -> String {
        var out = ""
        var remaining = arguments[...]
        var characters = format.makeIterator()
        while let character = characters.next() {
            guard character == "%" else {
                out.append(character)
                continue
            }
            guard let verb = characters.next() else {
                out += "%!(NOVERB)"
                break
            }
            if verb == "%" {
                out += "%"
                continue
            }
            guard let argument = remaining.popFirst() else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            switch verb {
            case "s", "v": out += argument.printed == "<no value>" ? "%!\(verb)(<nil>)" : argument.printed
            case "d":
                if case .value(let value) = argument, let number = value.numericValue, number == number.rounded(),
                    let integer = Int(truncating: number)
                {
                    out += String(integer)
                } else {
                    out += "%!d(\(argument.printed))"
                }
            case "q": out += JSONText.quote(argument.text)
            default:
                throw TemplateError(
                    template: format, reason: "printf verb '%\(verb)' is not supported (use %s %v %d %q)")
            }
        }
        if !remaining.isEmpty {
            out += "%!(EXTRA " + remaining.map(\.printed).joined(separator: ", ") + ")"
        }
        return out
    }
}

package struct TemplateParser {
    package let source: String
    package let scalars: [Unicode.Scalar]
    package var index = 0

    package init(source: String) {
        self.source = source
        scalars = Array(source.unicodeScalars)
    }

    package func fail(_ reason: String) -> TemplateError {
        TemplateError(template: source, reason: "\(reason) (character \(index + 1))")
    }

    func startsWith(_ text: String, at position: Int) -> Bool {
        let needle = Array(text.unicodeScalars)
        return position + needle.count <= scalars.count && Array(scalars[position..<position + needle.count]) == needle
    }

    package mutating func parse() throws(TemplateError) -> [GoTemplate.Piece] {
        var pieces: [GoTemplate.Piece] = []
        var text = ""
        while index < scalars.count {
            guard startsWith("{{", at: index) else {
                text.unicodeScalars.append(scalars[index])
                index += 1
                continue
            }
            index += 2
            if startsWith("- ", at: index)
                || (startsWith("-", at: index) && index + 1 < scalars.count
                    && scalars[index + 1].properties.isWhitespace)
            {
                index += 1
                while let last = text.unicodeScalars.last, last.properties.isWhitespace {
                    text.unicodeScalars.removeLast()
                }
            }
            if !text.isEmpty {
                pieces.append(.text(text))
                text = ""
            }
            skipSpaces()
            if startsWith("/*", at: index) {
                while index < scalars.count, !startsWith("*/", at: index) { index += 1 }
                guard index < scalars.count else { throw fail("unclosed comment") }
                index += 2
                skipSpaces()
                _ = try closeAction()
                continue
            }
            let pipeline = try parsePipeline(depth: 0)
            pieces.append(.action(pipeline))
            if try closeAction() {
                while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
            }
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    /// Consumes `}}` or ` -}}`; returns whether the right side trims.
    mutating func closeAction() throws(TemplateError) -> Bool {
        skipSpaces()
        if startsWith("-}}", at: index) {
            index += 3
            return true
        }
        guard startsWith("}}", at: index) else { throw fail("expected '}}'") }
        index += 2
        return false
    }

    mutating func skipSpaces() {
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" || scalars[index] == "\n" {
            index += 1
        }
    }

    mutating func parsePipeline(depth: Int) throws(TemplateError) -> GoTemplate.Pipeline {
        guard depth < 32 else { throw fail("template nested too deeply") }
        var commands: [GoTemplate.Command] = []
        while true {
            commands.append(try parseCommand(depth: depth))
            skipSpaces()
            guard index < scalars.count, scalars[index] == "|" else { break }
            index += 1
        }
        return GoTemplate.Pipeline(commands: commands)
    }

    mutating func parseCommand(depth: Int) throws(TemplateError) -> GoTemplate.Command {
        skipSpaces()
        var function: String?
        var arguments: [GoTemplate.Operand] = []
        if index < scalars.count, scalars[index].properties.isAlphabetic {
            var word = ""
            while index < scalars.count,
                scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index]) || scalars[index] == "_"
            {
                word.unicodeScalars.append(scalars[index])
                index += 1
            }
            switch word {
            case "true": arguments.append(.bool(true))
            case "false": arguments.append(.bool(false))
            case "if", "range", "with", "define", "template", "block", "end", "else", "nil":
                throw fail("not supported: '\(word)'")
            default:
                guard GoTemplate.functions.contains(word) else { throw fail("function \"\(word)\" not defined") }
                function = word
            }
        }
        while true {
            skipSpaces()
            guard index < scalars.count, scalars[index] != "|", scalars[index] != ")", !startsWith("}}", at: index),
                !startsWith("-}}", at: index)
            else { break }
            arguments.append(try parseOperand(depth: depth))
        }
        if function == nil && arguments.isEmpty { throw fail("missing value in action") }
        if function == nil && arguments.count > 1 { throw fail("a value cannot take arguments") }
        return GoTemplate.Command(function: function, arguments: arguments)
    }

    mutating func parseOperand(depth: Int) throws(TemplateError) -> GoTemplate.Operand {
        let scalar = scalars[index]
        switch scalar {
        case ".":
            var names: [String] = []
            index += 1
            var name = ""
            while index < scalars.count {
                let next = scalars[index]
                if next == "." {
                    guard !name.isEmpty else { throw fail("empty field name") }
                    names.append(name)
                    name = ""
                } else if next.properties.isAlphabetic || ("0"..."9").contains(next) || next == "_" {
                    name.unicodeScalars.append(next)
                } else {
                    break
                }
                index += 1
            }
            if !name.isEmpty { names.append(name) } else if !names.isEmpty { throw fail("field ends with '.'") }
            return .field(names)
        case "\"":
            index += 1
            var text = ""
            while index < scalars.count, scalars[index] != "\"" {
                if scalars[index] == "\\", index + 1 < scalars.count {
                    index += 1
                    switch scalars[index] {
                    case "n": text += "\n"
                    case "t": text += "\t"
                    default: text.unicodeScalars.append(scalars[index])
                    }
                } else {
                    text.unicodeScalars.append(scalars[index])
                }
                index += 1
            }
            guard index < scalars.count else { throw fail("unterminated string") }
            index += 1
            return .string(text)
        case "`":
            index += 1
            var text = ""
            while index < scalars.count, scalars[index] != "`" {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw fail("unterminated raw string") }
            index += 1
            return .string(text)
        case "(":
            index += 1
            let pipeline = try parsePipeline(depth: depth + 1)
            skipSpaces()
            guard index < scalars.count, scalars[index] == ")" else { throw fail("expected ')'") }
            index += 1
            return .pipeline(pipeline)
        case "$":
            throw fail("not supported: template variables")
        default:
            if ("0"..."9").contains(scalar) || scalar == "-" {
                var text = ""
                while index < scalars.count,
                    ("0"..."9").contains(scalars[index]) || scalars[index] == "." || scalars[index] == "-"
                {
                    text.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard let number = Double(text) else { throw fail("bad number '\(text)'") }
                return .number(number)
            }
            if scalar.properties.isAlphabetic {
                var word = ""
                while index < scalars.count, scalars[index].properties.isAlphabetic {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                if word == "true" { return .bool(true) }
                if word == "false" { return .bool(false) }
                throw fail("function \"\(word)\" must be called in parentheses when used as an argument")
            }
            throw fail("unexpected '\(scalar)'")
        }
    }
}
