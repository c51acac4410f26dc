/// An `exprs` filter expression: the subset of the govaluate language that Argo Events sensors use, parsed
/// once into a tree.
///
/// Supported: numbers, strings (`"…"` or `'…'`), `true`, `false`, parameters (`name`, `a.b`, `[any name]`),
/// arrays `(x, y)` for `in`, the operators `?:` `||` `&&` `== != < <= > >= =~ !~ in` `+ -` `* / %` `**` and the
/// prefixes `!` and `-`, and parentheses. Rejected when parsing: bitwise operators, `??`, function calls and
/// dates (govaluate turns some strings into dates; sensor-gateway keeps them strings).
public indirect enum FilterExpression: Sendable, Hashable, CustomStringConvertible {
    /// A number literal.
    case number(Double)
    /// A string literal.
    case string(String)
    /// `true` or `false`.
    case bool(Bool)
    /// A parameter: one of the filter's `fields`.
    case variable(String)
    /// `(a, b, …)`, the right side of `in`.
    case array([FilterExpression])
    /// `!x`.
    case not(FilterExpression)
    /// `-x`.
    case negate(FilterExpression)
    /// `a op b`.
    case binary(BinaryOperator, FilterExpression, FilterExpression)
    /// `condition ? a : b`.
    case conditional(FilterExpression, then: FilterExpression, else: FilterExpression)

    /// The binary operators, from lowest to highest precedence group.
    public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
        case or = "||"
        case and = "&&"
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case matches = "=~"
        case notMatches = "!~"
        case `in` = "in"
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case remainder = "%"
        case power = "**"

        var precedence: Int {
            switch self {
            case .or: 1
            case .and: 2
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .matches, .notMatches, .in: 3
            case .add, .subtract: 4
            case .multiply, .divide, .remainder: 5
            case .power: 6
            }
        }
    }

    /// Parses an expression.
    /// - Throws: ``ExpressionSyntaxError`` with the character where parsing stopped.
    public static func parse(_ text: String) throws(ExpressionSyntaxError) -> FilterExpression {
        var parser = try ExpressionParser(text)
        return try parser.parseAll()
    }

    /// The names of every parameter the expression reads.
    public var variables: Set<String> {
        switch self {
        case .number, .string, .bool: []
        case .variable(let name): [name]
        case .array(let elements): elements.reduce(into: []) { $0.formUnion($1.variables) }
        case .not(let operand), .negate(let operand): operand.variables
        case .binary(_, let left, let right): left.variables.union(right.variables)
        case .conditional(let condition, let then, let otherwise):
            condition.variables.union(then.variables).union(otherwise.variables)
        }
    }

    /// Canonical text; parsing it gives the same tree.
    public var description: String { render(self, context: 0) }

    /// A string literal the lexer reads back as `text`: `"` and `\` escaped, newline, tab and carriage return
    /// as `\n`, `\t`, `\r`, every other scalar as itself. (Not JSON quoting: the lexer has no `\u` escape, so
    /// JSON's `\u0000` for a control character would read back as `u0000`.)
    package static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private func render(_ expression: FilterExpression, context: Int) -> String {
        switch expression {
        case .number(let number): return JSONText.number(number)
        case .string(let text): return Self.quote(text)
        case .bool(let flag): return flag ? "true" : "false"
        case .variable(let name):
            let isIdentifier =
                name.unicodeScalars.first.map { ExpressionParser.isIdentifierStart($0) } == true
                && name.unicodeScalars.allSatisfy(ExpressionParser.isIdentifierPart)
                && !["true", "false", "in"].contains(name) && !name.hasSuffix(".")
                && !name.contains("..")
            return isIdentifier ? name : "[" + name + "]"
        case .array(let elements): return "(" + elements.map { render($0, context: 0) }.joined(separator: ", ") + ")"
        case .not(let operand): return "!" + render(operand, context: 7)
        case .negate(let operand): return "-" + render(operand, context: 7)
        case .binary(let op, let left, let right):
            let text =
                render(left, context: op.precedence) + " " + op.rawValue + " "
                + render(right, context: op.precedence + 1)
            return op.precedence < context ? "(" + text + ")" : text
        case .conditional(let condition, let then, let otherwise):
            let text =
                render(condition, context: 1) + " ? " + render(then, context: 1) + " : "
                + render(otherwise, context: 0)
            return context > 0 ? "(" + text + ")" : text
        }
    }
}

/// An expression that does not parse.
public struct ExpressionSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The expression text.
    public var expression: String
    /// 0-based character offset of the problem.
    public var offset: Int
    /// What is wrong.
    public var reason: String

    /// `bad expression 'a ==' at character 5: expected a value`.
    public var description: String { "bad expression '\(expression)' at character \(offset + 1): \(reason)" }
}

struct ExpressionParser {
    enum Token: Equatable {
        case number(Double)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end
    }

    let text: String
    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0
    private var depth = 0

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || (scalar.properties.isAlphabetic && scalar.isASCII)
    }

    static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || ("0"..."9").contains(scalar) || scalar == "."
    }

    init(_ text: String) throws(ExpressionSyntaxError) {
        self.text = text
        tokens = try Self.tokenize(text)
    }

    private static func tokenize(_ text: String) throws(ExpressionSyntaxError) -> [(token: Token, offset: Int)] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [(token: Token, offset: Int)] = []
        var index = 0
        func fail(_ reason: String) -> ExpressionSyntaxError {
            ExpressionSyntaxError(expression: text, offset: index, reason: reason)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let start = index
            if scalar.properties.isWhitespace {
                index += 1
                continue
            }
            if ("0"..."9").contains(scalar) {
                var digits = ""
                while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == "." {
                    digits.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard let number = Double(digits) else { throw fail("bad number '\(digits)'") }
                tokens.append((.number(number), start))
                continue
            }
            if scalar == "\"" || scalar == "'" {
                index += 1
                var value = ""
                var closed = false
                while index < scalars.count {
                    let next = scalars[index]
                    if next == "\\", index + 1 < scalars.count {
                        let escaped = scalars[index + 1]
                        switch escaped {
                        case "n": value.unicodeScalars.append("\n")
                        case "t": value.unicodeScalars.append("\t")
                        case "r": value.unicodeScalars.append("\r")
                        default: value.unicodeScalars.append(escaped)
                        }
                        index += 2
                        continue
                    }
                    index += 1
                    if next == scalar {
                        closed = true
                        break
                    }
                    value.unicodeScalars.append(next)
                }
                guard closed else {
                    index = start
                    throw fail("unterminated string")
                }
                tokens.append((.string(value), start))
                continue
            }
            if scalar == "[" {
                index += 1
                var name = ""
                while index < scalars.count, scalars[index] != "]" {
                    name.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count, !name.isEmpty else {
                    index = start
                    throw fail("unterminated or empty [parameter]")
                }
                index += 1
                tokens.append((.identifier(name), start))
                continue
            }
            if isIdentifierStart(scalar) {
                var name = ""
                while index < scalars.count, isIdentifierPart(scalars[index]) {
                    name.unicodeScalars.append(scalars[index])
                    index += 1
                }
                if index < scalars.count, scalars[index] == "(" {
                    index = start
                    throw fail("not supported: function call '\(name)(…)'")
                }
                if name.hasSuffix(".") || name.contains("..") { throw fail("bad parameter name '\(name)'") }
                tokens.append((.identifier(name), start))
                continue
            }
            let two = index + 1 < scalars.count ? String(String.UnicodeScalarView([scalar, scalars[index + 1]])) : ""
            if ["==", "!=", "<=", ">=", "=~", "!~", "&&", "||", "**"].contains(two) {
                if index + 2 < scalars.count, two == "!=" || two == "==", scalars[index + 2] == "=" {
                    throw fail("unknown operator '\(two)='")
                }
                tokens.append((.symbol(two), start))
                index += 2
                continue
            }
            if ["??", "<<", ">>"].contains(two) { throw fail("not supported: operator '\(two)'") }
            switch scalar {
            case "<", ">", "+", "-", "*", "/", "%", "!", "(", ")", ",", "?", ":":
                tokens.append((.symbol(String(scalar)), start))
                index += 1
            case "&", "|", "^", "~":
                throw fail("not supported: bitwise operator '\(scalar)'")
            case "=":
                throw fail("'=' is not an operator (use '==')")
            default:
                throw fail("unexpected character '\(scalar)'")
            }
        }
        tokens.append((.end, scalars.count))
        return tokens
    }

    private var current: Token { tokens[position].token }

    private func fail(_ reason: String) -> ExpressionSyntaxError {
        ExpressionSyntaxError(expression: text, offset: tokens[position].offset, reason: reason)
    }

    private mutating func accept(_ symbol: String) -> Bool {
        if current == .symbol(symbol) {
            position += 1
            return true
        }
        return false
    }

    mutating func parseAll() throws(ExpressionSyntaxError) -> FilterExpression {
        guard current != .end else { throw fail("empty expression") }
        let expression = try parseConditional()
        guard current == .end else { throw fail("unexpected token after the expression") }
        return expression
    }

    private mutating func nest() throws(ExpressionSyntaxError) {
        depth += 1
        guard depth < 128 else { throw fail("expression nested too deeply") }
    }

    private mutating func parseConditional() throws(ExpressionSyntaxError) -> FilterExpression {
        try nest()
        defer { depth -= 1 }
        let condition = try parseBinary(minimum: 1)
        if accept("?") {
            let then = try parseBinary(minimum: 1)
            guard accept(":") else { throw fail("expected ':' in 'condition ? a : b'") }
            let otherwise = try parseConditional()
            return .conditional(condition, then: then, else: otherwise)
        }
        return condition
    }

    private func binaryOperator() -> FilterExpression.BinaryOperator? {
        switch current {
        case .symbol(let symbol): FilterExpression.BinaryOperator(rawValue: symbol)
        case .identifier("in"): .in
        default: nil
        }
    }

    private mutating func parseBinary(minimum: Int) throws(ExpressionSyntaxError) -> FilterExpression {
        try nest()
        defer { depth -= 1 }
        var left = minimum > 6 ? try parseUnary() : try parseBinary(minimum: minimum + 1)
        while minimum <= 6, let op = binaryOperator(), op.precedence == minimum {
            position += 1
            let right = minimum == 6 ? try parseUnary() : try parseBinary(minimum: minimum + 1)
            left = .binary(op, left, right)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionSyntaxError) -> FilterExpression {
        try nest()
        defer { depth -= 1 }
        if accept("!") { return .not(try parseUnary()) }
        if accept("-") { return .negate(try parseUnary()) }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionSyntaxError) -> FilterExpression {
        switch current {
        case .number(let number):
            position += 1
            return .number(number)
        case .string(let text):
            position += 1
            return .string(text)
        case .identifier("true"):
            position += 1
            return .bool(true)
        case .identifier("false"):
            position += 1
            return .bool(false)
        case .identifier("in"):
            throw fail("expected a value before 'in'")
        case .identifier(let name):
            position += 1
            return .variable(name)
        case .symbol("("):
            position += 1
            var elements = [try parseConditional()]
            while accept(",") { elements.append(try parseConditional()) }
            guard accept(")") else { throw fail("expected ')'") }
            return elements.count == 1 ? elements[0] : .array(elements)
        case .end:
            throw fail("expected a value at the end of the expression")
        default:
            throw fail("expected a value")
        }
    }
}
