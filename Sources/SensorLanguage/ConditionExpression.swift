/// A trigger's `conditions`: a boolean expression over dependency names, parsed once.
///
/// Grammar: `expr := or; or := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | primary;
/// primary := NAME | '(' expr ')'`, where a name is letters, digits, `_`, `-` and `.`.
public indirect enum ConditionExpression: Sendable, Hashable, CustomStringConvertible {
    /// Holds when the dependency has an event.
    case dependency(String)
    /// `!x`.
    case not(ConditionExpression)
    /// `a && b`.
    case and(ConditionExpression, ConditionExpression)
    /// `a || b`.
    case or(ConditionExpression, ConditionExpression)

    /// Parses a condition.
    /// - Throws: ``ExpressionSyntaxError`` with the character where parsing stopped.
    public static func parse(_ text: String) throws(ExpressionSyntaxError) -> ConditionExpression {
        var parser = ConditionParser(text: text)
        return try parser.parseAll()
    }

    /// The AND of all names, Argo Events' default when a trigger has no `conditions`.
    public static func all(_ names: [String]) -> ConditionExpression? {
        guard var expression = names.first.map(ConditionExpression.dependency) else { return nil }
        for name in names.dropFirst() { expression = .and(expression, .dependency(name)) }
        return expression
    }

    /// Every dependency name the condition mentions, in order of first appearance.
    public var names: [String] {
        var names: [String] = []
        func visit(_ expression: ConditionExpression) {
            switch expression {
            case .dependency(let name): if !names.contains(name) { names.append(name) }
            case .not(let operand): visit(operand)
            case .and(let left, let right), .or(let left, let right):
                visit(left)
                visit(right)
            }
        }
        visit(self)
        return names
    }

    /// Whether the condition names `dependency`: `names.contains(dependency)` without building the list.
    public func mentions(_ dependency: String) -> Bool {
        switch self {
        case .dependency(let name): name == dependency
        case .not(let operand): operand.mentions(dependency)
        case .and(let left, let right), .or(let left, let right):
            left.mentions(dependency) || right.mentions(dependency)
        }
    }

    /// Whether the condition holds when exactly the dependencies in `satisfied` have an event.
    public func holds(satisfied: Set<String>) -> Bool {
        switch self {
        case .dependency(let name): satisfied.contains(name)
        case .not(let operand): !operand.holds(satisfied: satisfied)
        case .and(let left, let right): left.holds(satisfied: satisfied) && right.holds(satisfied: satisfied)
        case .or(let left, let right): left.holds(satisfied: satisfied) || right.holds(satisfied: satisfied)
        }
    }

    /// Whether each dependency the condition names satisfies it alone (a single name, or only `||`).
    public var isSatisfiedByEachDependencyAlone: Bool {
        names.allSatisfy { holds(satisfied: [$0]) }
    }

    /// The same condition with every name replaced.
    public func renaming(_ transform: (String) -> String) -> ConditionExpression {
        switch self {
        case .dependency(let name): .dependency(transform(name))
        case .not(let operand): .not(operand.renaming(transform))
        case .and(let left, let right): .and(left.renaming(transform), right.renaming(transform))
        case .or(let left, let right): .or(left.renaming(transform), right.renaming(transform))
        }
    }

    /// Canonical text with the fewest parentheses; parsing it gives the same tree.
    public var description: String { render(context: 0) }

    private func render(context: Int) -> String {
        switch self {
        case .dependency(let name): return name
        case .not(let operand): return "!" + operand.render(context: 3)
        case .and(let left, let right):
            let text = left.render(context: 2) + " && " + right.render(context: 3)
            return context > 2 ? "(" + text + ")" : text
        case .or(let left, let right):
            let text = left.render(context: 1) + " || " + right.render(context: 2)
            return context > 1 ? "(" + text + ")" : text
        }
    }

    package static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-.".unicodeScalars.contains(scalar))
    }
}

struct ConditionParser {
    let text: String
    let scalars: [Unicode.Scalar]
    var index = 0
    var depth = 0

    init(text: String) {
        self.text = text
        self.scalars = Array(text.unicodeScalars)
    }

    func fail(_ reason: String) -> ExpressionSyntaxError {
        ExpressionSyntaxError(expression: text, offset: index, reason: reason)
    }

    mutating func skipSpaces() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    mutating func accept(_ symbol: String) -> Bool {
        skipSpaces()
        let symbolScalars = Array(symbol.unicodeScalars)
        guard index + symbolScalars.count <= scalars.count,
            Array(scalars[index..<index + symbolScalars.count]) == symbolScalars
        else { return false }
        index += symbolScalars.count
        return true
    }

    mutating func parseAll() throws(ExpressionSyntaxError) -> ConditionExpression {
        skipSpaces()
        guard index < scalars.count else { throw fail("empty condition") }
        let expression = try parseOr()
        skipSpaces()
        guard index == scalars.count else { throw fail("unexpected '\(scalars[index])'") }
        return expression
    }

    mutating func parseOr() throws(ExpressionSyntaxError) -> ConditionExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth < 128 else { throw fail("condition nested too deeply") }
        var left = try parseAnd()
        while accept("||") { left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws(ExpressionSyntaxError) -> ConditionExpression {
        var left = try parseUnary()
        while accept("&&") { left = .and(left, try parseUnary()) }
        return left
    }

    mutating func parseUnary() throws(ExpressionSyntaxError) -> ConditionExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth < 128 else { throw fail("condition nested too deeply") }
        skipSpaces()
        if index + 1 < scalars.count, scalars[index] == "!", scalars[index + 1] == "=" {
            throw fail("'!=' is not a condition operator")
        }
        if accept("!") { return .not(try parseUnary()) }
        if accept("(") {
            let inner = try parseOr()
            guard accept(")") else { throw fail("expected ')'") }
            return inner
        }
        var name = ""
        while index < scalars.count, ConditionExpression.isNameScalar(scalars[index]) {
            name.unicodeScalars.append(scalars[index])
            index += 1
        }
        guard !name.isEmpty else {
            if index < scalars.count {
                if scalars[index] == "&" || scalars[index] == "|" {
                    throw fail("expected a dependency name before '\(scalars[index])'")
                }
                throw fail("unexpected '\(scalars[index])' (conditions use names, &&, ||, ! and parentheses)")
            }
            throw fail("expected a dependency name at the end of the condition")
        }
        return .dependency(name)
    }
}
