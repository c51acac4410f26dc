public import EventModel

/// A path in the gjson syntax Argo Events users write for `data` filter paths, expr fields, `dataKey` and
/// `contextKey`, parsed once.
///
/// Supported: dotted keys (`body.message`), array indexes (`items.0`), escapes (`a\.b` is the key `a.b`),
/// `#` (an array's length when last, otherwise "for each element"), wildcards `*` and `?` in a key,
/// queries `#(key op value)` (first match) and `#(key op value)#` (all matches) with the operators
/// `== != < <= > >= % !%`, and multipaths `[a,b.c]` (an array) and `{a,b.c}` (an object).
/// Not supported, and rejected when parsing: modifiers (`@reverse`), pipes (`|`), JSON lines (`..`),
/// nested queries, and a bare `a,b` multipath.
public struct GJSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a simple path.
    public enum Component: Sendable, Hashable {
        /// An object key, or an array index when the key is a non-negative integer and the value is an array.
        case key(String)
        /// A key pattern with `*` (any run of characters) and `?` (one character); the first matching key in
        /// the document's order wins.
        case pattern(String)
        /// `#`: the length of an array when last, otherwise the rest of the path applied to each element.
        case hash
        /// `#(…)`: the first element matching the query, or every matching element when `all`.
        case query(Query, all: Bool)
    }

    /// A query inside `#(…)`.
    public struct Query: Sendable, Hashable {
        /// The path inside each element (empty: the element itself).
        public var path: [Component]
        /// The comparison, or `nil` for "the path exists".
        public var comparison: Comparison?
    }

    /// `op literal` in a query.
    public struct Comparison: Sendable, Hashable {
        /// The operator.
        public var op: QueryOperator
        /// The right-hand side.
        public var literal: QueryLiteral
    }

    /// A comparison operator of a query.
    public enum QueryOperator: String, Sendable, Hashable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case less = "<"
        case greater = ">"
        case like = "%"
        case notLike = "!%"
    }

    /// The right-hand side of a query comparison.
    public enum QueryLiteral: Sendable, Hashable {
        /// `"text"`.
        case string(String)
        /// A number.
        case number(Double)
        /// `true` or `false`.
        case bool(Bool)
        /// `null`.
        case null
    }

    /// The shape of a path.
    public indirect enum Form: Sendable, Hashable {
        /// Components applied in turn.
        case simple([Component])
        /// `[p1,p2]` (`object == false`) or `{p1,p2}` (`object == true`).
        case multi([GJSONPath], object: Bool)
    }

    /// The parsed path.
    public var form: Form

    /// The text the path was parsed from.
    public let text: String

    /// Parses a path.
    /// - Throws: ``PathSyntaxError`` saying what is wrong and at which character.
    public init(_ text: String) throws(PathSyntaxError) {
        self.text = text
        var parser = Parser(Array(text.unicodeScalars), text: text)
        form = try parser.parseTop()
    }

    package init(form: Form) {
        self.form = form
        self.text = Self.render(form)
    }

    /// Paths are equal when their parsed forms are, whatever their spelling.
    public static func == (lhs: GJSONPath, rhs: GJSONPath) -> Bool { lhs.form == rhs.form }
    /// Hashes the parsed form.
    public func hash(into hasher: inout Hasher) { hasher.combine(form) }

    /// The canonical text of the path; parsing it gives the same path.
    public var description: String { Self.render(form) }
}

/// A path that is not valid gjson, or uses gjson syntax that sensor-gateway does not support.
public struct PathSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path text.
    public var path: String
    /// 0-based character offset of the problem.
    public var offset: Int
    /// What is wrong.
    public var reason: String

    /// `bad path 'a..b' at character 2: empty key`.
    public var description: String { "bad path '\(path)' at character \(offset + 1): \(reason)" }
}

// MARK: - Parsing

extension GJSONPath {
    fileprivate struct Parser {
        let scalars: [Unicode.Scalar]
        let text: String
        var index = 0

        init(_ scalars: [Unicode.Scalar], text: String) {
            self.scalars = scalars
            self.text = text
        }

        func fail(_ reason: String, at offset: Int? = nil) -> PathSyntaxError {
            PathSyntaxError(path: text, offset: offset ?? index, reason: reason)
        }

        var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parseTop() throws(PathSyntaxError) -> Form {
            guard !scalars.isEmpty else { throw fail("empty path") }
            let form = try parseForm(depth: 0)
            guard index == scalars.count else { throw fail("unexpected '\(scalars[index])'") }
            return form
        }

        mutating func parseForm(depth: Int) throws(PathSyntaxError) -> Form {
            guard depth < 16 else { throw fail("multipaths nested too deeply") }
            if current == "[" || current == "{" {
                let object = current == "{"
                let close: Unicode.Scalar = object ? "}" : "]"
                index += 1
                var parts: [GJSONPath] = []
                while true {
                    let start = index
                    let form = try parseForm(depth: depth + 1)
                    parts.append(GJSONPath(form: form, text: String(String.UnicodeScalarView(scalars[start..<index]))))
                    if current == "," {
                        index += 1
                        continue
                    }
                    guard current == close else { throw fail("expected ',' or '\(close)' in multipath") }
                    index += 1
                    break
                }
                if let next = current, next != "," && next != "]" && next != "}" {
                    throw fail("not supported: a path after a multipath ('\(next)')")
                }
                return .multi(parts, object: object)
            }
            return .simple(try parseComponents(inMulti: depth > 0, terminators: []))
        }

        /// Components up to the end, or (inside a multipath) up to `,` `]` `}`, or up to a query operator.
        mutating func parseComponents(inMulti: Bool, terminators: Set<Unicode.Scalar>) throws(PathSyntaxError)
            -> [Component]
        {
            var components: [Component] = []
            while true {
                components.append(try parseComponent(inMulti: inMulti, terminators: terminators))
                guard current == "." else { break }
                index += 1
                guard current != nil else { throw fail("path ends with '.'") }
            }
            return components
        }

        mutating func parseComponent(inMulti: Bool, terminators: Set<Unicode.Scalar>) throws(PathSyntaxError)
            -> Component
        {
            let start = index
            if current == "@" { throw fail("not supported: gjson modifier '@…'") }
            if current == "." { throw fail(start == 0 ? "not supported: JSON lines ('..')" : "empty key") }
            if current == "#" {
                index += 1
                if current == "(" {
                    index += 1
                    let query = try parseQuery()
                    var all = false
                    if current == "#" {
                        all = true
                        index += 1
                    }
                    return .query(query, all: all)
                }
                if let next = current, next != ".", !isEnd(next, inMulti: inMulti, terminators: terminators) {
                    throw fail("'#' must stand alone as a key (write '\\#' for a literal '#')")
                }
                return .hash
            }
            var key = ""
            var isPattern = false
            var patternText = ""
            while let scalar = current {
                if scalar == "\\" {
                    index += 1
                    guard let escaped = current else { throw fail("path ends with '\\'") }
                    key.unicodeScalars.append(escaped)
                    patternText.unicodeScalars.append("\\")
                    patternText.unicodeScalars.append(escaped)
                    index += 1
                    continue
                }
                if scalar == "." || isEnd(scalar, inMulti: inMulti, terminators: terminators) { break }
                switch scalar {
                case "|": throw fail("not supported: gjson pipe '|'")
                case ",": throw fail("not supported: a bare multipath; write [a,b]")
                case "(", ")", "[", "]", "{", "}":
                    throw fail("unexpected '\(scalar)' (escape it with '\\')")
                case "*", "?": isPattern = true
                default: break
                }
                key.unicodeScalars.append(scalar)
                patternText.unicodeScalars.append(scalar)
                index += 1
            }
            guard index > start else { throw fail("empty key") }
            return isPattern ? .pattern(patternText) : .key(key)
        }

        func isEnd(_ scalar: Unicode.Scalar, inMulti: Bool, terminators: Set<Unicode.Scalar>) -> Bool {
            if terminators.contains(scalar) { return true }
            return inMulti && (scalar == "," || scalar == "]" || scalar == "}")
        }

        /// After `#(`: `path op literal)` or `path)` or `op literal)`.
        mutating func parseQuery() throws(PathSyntaxError) -> Query {
            skipSpaces()
            var path: [Component] = []
            let operatorStart: Set<Unicode.Scalar> = ["=", "!", "<", ">", "%", ")", " "]
            if let scalar = current, !operatorStart.contains(scalar) {
                if scalar == "#" && index + 1 < scalars.count && scalars[index + 1] == "(" {
                    throw fail("not supported: nested queries")
                }
                path = try parseComponents(inMulti: false, terminators: operatorStart)
                for component in path {
                    if case .query = component { throw fail("not supported: nested queries") }
                }
            }
            skipSpaces()
            if current == ")" {
                index += 1
                guard !path.isEmpty else { throw fail("empty query") }
                return Query(path: path, comparison: nil)
            }
            var op: QueryOperator?
            for candidate in [
                QueryOperator.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .notLike, .less, .greater, .like,
            ] {
                let symbol = Array(candidate.rawValue.unicodeScalars)
                if index + symbol.count <= scalars.count && Array(scalars[index..<index + symbol.count]) == symbol {
                    op = candidate
                    index += symbol.count
                    break
                }
            }
            guard let op else { throw fail("expected a query operator (== != < <= > >= % !%)") }
            skipSpaces()
            let literal = try parseLiteral()
            skipSpaces()
            guard current == ")" else { throw fail("expected ')' to close the query") }
            index += 1
            return Query(path: path, comparison: Comparison(op: op, literal: literal))
        }

        mutating func skipSpaces() {
            while current == " " { index += 1 }
        }

        mutating func parseLiteral() throws(PathSyntaxError) -> QueryLiteral {
            if current == "\"" {
                index += 1
                var value = ""
                while let scalar = current, scalar != "\"" {
                    if scalar == "\\" {
                        index += 1
                        guard let escaped = current else { break }
                        switch escaped {
                        case "n": value.unicodeScalars.append("\n")
                        case "t": value.unicodeScalars.append("\t")
                        case "r": value.unicodeScalars.append("\r")
                        case "u":
                            let hex = String(
                                String.UnicodeScalarView(scalars[(index + 1)..<min(index + 5, scalars.count)]))
                            guard hex.count == 4, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code)
                            else {
                                throw fail("bad \\u escape in query string")
                            }
                            value.unicodeScalars.append(scalar)
                            index += 4
                        default: value.unicodeScalars.append(escaped)
                        }
                    } else {
                        value.unicodeScalars.append(scalar)
                    }
                    index += 1
                }
                guard current == "\"" else { throw fail("unterminated string in query") }
                index += 1
                return .string(value)
            }
            var word = ""
            while let scalar = current, scalar != ")", scalar != " " {
                word.unicodeScalars.append(scalar)
                index += 1
            }
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                guard let number = Double(word), number.isFinite else {
                    throw fail("expected a JSON value (\"text\", a number, true, false, null) in query")
                }
                return .number(number)
            }
        }
    }

    fileprivate init(form: Form, text: String) {
        self.form = form
        self.text = text
    }
}

// MARK: - Printing

extension GJSONPath {
    static let specialScalars: Set<Unicode.Scalar> = [
        "\\", ".", "*", "?", "|", "#", "@", "[", "]", "{", "}", "(", ")", ",", "=", "!", "<", ">", "%", "\"", " ",
    ]

    package static func render(_ form: Form) -> String {
        switch form {
        case .simple(let components):
            return render(components)
        case .multi(let parts, let object):
            let inner = parts.map { render($0.form) }.joined(separator: ",")
            return object ? "{\(inner)}" : "[\(inner)]"
        }
    }

    package static func render(_ components: [Component]) -> String {
        components.map(render).joined(separator: ".")
    }

    package static func render(_ component: Component) -> String {
        switch component {
        case .key(let key):
            var out = ""
            for scalar in key.unicodeScalars {
                if specialScalars.contains(scalar) { out.unicodeScalars.append("\\") }
                out.unicodeScalars.append(scalar)
            }
            return out
        case .pattern(let pattern):
            return pattern
        case .hash:
            return "#"
        case .query(let query, let all):
            var out = "#(" + render(query.path)
            if let comparison = query.comparison {
                out += comparison.op.rawValue + render(comparison.literal)
            }
            return out + ")" + (all ? "#" : "")
        }
    }

    package static func render(_ literal: QueryLiteral) -> String {
        switch literal {
        case .string(let text): return JSONText.quote(text)
        case .number(let number): return JSONText.number(number)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }
}

// MARK: - Evaluation

extension GJSONPath {
    /// The value at this path in `root`, or `nil` when the path does not exist.
    public func value(in root: EventValue) -> EventValue? {
        Self.evaluate(form, in: root)
    }

    package static func evaluate(_ form: Form, in root: EventValue) -> EventValue? {
        switch form {
        case .simple(let components):
            return evaluate(components[...], in: root)
        case .multi(let parts, let object):
            if object {
                var map = EventMap()
                for part in parts {
                    if let value = evaluate(part.form, in: root) { map[part.lastKeyName] = value }
                }
                return .map(map)
            }
            return .array(parts.compactMap { evaluate($0.form, in: root) })
        }
    }

    var lastKeyName: String {
        if case .simple(let components) = form, let last = components.last {
            switch last {
            case .key(let key): return key
            default: return Self.render(last)
            }
        }
        return description
    }

    package static func evaluate(_ components: ArraySlice<Component>, in value: EventValue) -> EventValue? {
        guard let first = components.first else { return value }
        let rest = components.dropFirst()
        switch first {
        case .key(let key):
            switch value {
            case .map(let map):
                guard let child = map[key] else { return nil }
                return evaluate(rest, in: child)
            case .array(let elements):
                guard let position = Int(key), position >= 0, position < elements.count,
                    key.first != "+"
                else { return nil }
                return evaluate(rest, in: elements[position])
            default:
                return nil
            }
        case .pattern(let pattern):
            guard case .map(let map) = value else { return nil }
            for entry in map where Wildcard.matches(entry.key, pattern: pattern) {
                return evaluate(rest, in: entry.value)
            }
            return nil
        case .hash:
            guard case .array(let elements) = value else { return nil }
            if rest.isEmpty { return .int(Int64(elements.count)) }
            return .array(elements.compactMap { evaluate(rest, in: $0) })
        case .query(let query, let all):
            guard case .array(let elements) = value else { return nil }
            if all {
                return .array(elements.filter { query.matches($0) }.compactMap { evaluate(rest, in: $0) })
            }
            guard let match = elements.first(where: { query.matches($0) }) else { return nil }
            return evaluate(rest, in: match)
        }
    }
}

extension GJSONPath.Query {
    package func matches(_ element: EventValue) -> Bool {
        guard let value = GJSONPath.evaluate(path[...], in: element) else { return false }
        guard let comparison else { return true }
        let op = comparison.op
        let literal = comparison.literal
        switch literal {
        case .string(let expected):
            guard case .string(let actual) = value else { return false }
            switch op {
            case .like: return Wildcard.matches(actual, pattern: expected)
            case .notLike: return !Wildcard.matches(actual, pattern: expected)
            default: return Self.compare(actual, op, expected)
            }
        case .number(let expected):
            guard let actual = value.numericValue else { return false }
            return Self.compare(actual, op, expected)
        case .bool(let expected):
            guard case .bool(let actual) = value else { return false }
            switch op {
            case .equal: return actual == expected
            case .notEqual: return actual != expected
            default: return false
            }
        case .null:
            let isNull = value == .null
            switch op {
            case .equal: return isNull
            case .notEqual: return !isNull
            default: return false
            }
        }
    }
}

extension GJSONPath.Query {
    /// An ordered comparison; `%` and `!%` never hold here (they apply to strings only, as patterns).
    package static func compare<Value: Comparable>(_ actual: Value, _ op: GJSONPath.QueryOperator, _ expected: Value)
        -> Bool
    {
        switch op {
        case .equal: actual == expected
        case .notEqual: actual != expected
        case .less: actual < expected
        case .lessOrEqual: actual <= expected
        case .greater: actual > expected
        case .greaterOrEqual: actual >= expected
        case .like, .notLike: false
        }
    }
}

/// gjson's wildcard match: `*` any run of characters, `?` exactly one; `\` escapes the next character.
enum Wildcard {
    static func matches(_ text: String, pattern: String) -> Bool {
        let text = Array(text.unicodeScalars)
        var tokens: [(scalar: Unicode.Scalar, literal: Bool)] = []
        var escaping = false
        for scalar in pattern.unicodeScalars {
            if escaping {
                tokens.append((scalar, true))
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                tokens.append((scalar, false))
            }
        }
        // Iterative glob match with backtracking on the last '*'.
        var t = 0
        var p = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < tokens.count, !tokens[p].literal, tokens[p].scalar == "*" {
                starP = p
                starT = t
                p += 1
            } else if p < tokens.count,
                (!tokens[p].literal && tokens[p].scalar == "?") || tokens[p].scalar == text[t]
            {
                p += 1
                t += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < tokens.count, !tokens[p].literal, tokens[p].scalar == "*" { p += 1 }
        return p == tokens.count
    }
}
