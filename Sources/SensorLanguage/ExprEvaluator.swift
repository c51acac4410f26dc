package import EventModel
import Foundation

/// A value inside a running filter expression: JSON numbers are doubles, as gjson's `Value()` gives them.
package enum ExprValue: Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([ExprValue])
    case object(EventValue)

    package init(_ value: EventValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int, .uint, .double: self = .number(value.numericValue ?? 0)
        case .string(let text): self = .string(text)
        case .binary, .timestamp: self = .string(value.gjsonString)
        case .array(let elements): self = .array(elements.map(ExprValue.init))
        case .map: self = .object(value)
        }
    }

    package var typeName: String {
        switch self {
        case .number: "a number"
        case .string: "a string"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// An expression that cannot be evaluated for these values (a type mismatch, a missing parameter).
package struct ExprEvaluationError: Error, CustomStringConvertible {
    package var description: String
}

/// Evaluates a ``FilterExpression`` with govaluate's rules.
package struct ExprEvaluator {
    package let parameters: [String: ExprValue]
    /// The patterns written as literals after `=~`/`!~`, compiled when the filter loaded.
    package let patterns: [String: TextPattern]
    /// The patterns known only now (a field after `=~`/`!~`), compiled on first use.
    package let dynamicPatterns: PatternCache

    package init(parameters: [String: ExprValue], patterns: [String: TextPattern], dynamicPatterns: PatternCache) {
        self.parameters = parameters
        self.patterns = patterns
        self.dynamicPatterns = dynamicPatterns
    }

    package func evaluate(_ expression: FilterExpression) throws(ExprEvaluationError) -> ExprValue {
        switch expression {
        case .number(let number): return .number(number)
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        case .variable(let name):
            guard let value = parameters[name] else {
                throw ExprEvaluationError(description: "No parameter '\(name)' found.")
            }
            return value
        case .array(let elements):
            var values: [ExprValue] = []
            for element in elements { values.append(try evaluate(element)) }
            return .array(values)
        case .not(let operand):
            guard case .bool(let flag) = try evaluate(operand) else {
                throw ExprEvaluationError(description: "'!' needs a boolean")
            }
            return .bool(!flag)
        case .negate(let operand):
            guard case .number(let number) = try evaluate(operand) else {
                throw ExprEvaluationError(description: "'-' needs a number")
            }
            return .number(-number)
        case .conditional(let condition, let then, let otherwise):
            guard case .bool(let flag) = try evaluate(condition) else {
                throw ExprEvaluationError(description: "'?' needs a boolean condition")
            }
            return try evaluate(flag ? then : otherwise)
        case .binary(let op, let leftExpression, let rightExpression):
            let left = try evaluate(leftExpression)
            if op == .and || op == .or {
                guard case .bool(let leftFlag) = left else {
                    throw ExprEvaluationError(description: "'\(op.rawValue)' needs booleans, got \(left.typeName)")
                }
                if op == .and && !leftFlag { return .bool(false) }
                if op == .or && leftFlag { return .bool(true) }
                guard case .bool(let rightFlag) = try evaluate(rightExpression) else {
                    throw ExprEvaluationError(description: "'\(op.rawValue)' needs booleans")
                }
                return .bool(rightFlag)
            }
            let right = try evaluate(rightExpression)
            return try apply(op, left, right)
        }
    }

    private func apply(_ op: FilterExpression.BinaryOperator, _ left: ExprValue, _ right: ExprValue)
        throws(ExprEvaluationError)
        -> ExprValue
    {
        func mismatch() -> ExprEvaluationError {
            ExprEvaluationError(description: "cannot apply '\(op.rawValue)' to \(left.typeName) and \(right.typeName)")
        }
        switch op {
        case .equal: return .bool(left == right)
        case .notEqual: return .bool(left != right)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Int
            switch (left, right) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
            case (.string(let a), .string(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
            default: throw mismatch()
            }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .matches, .notMatches:
            guard case .string(let text) = left, case .string(let pattern) = right else { throw mismatch() }
            let compiled: TextPattern
            if let known = patterns[pattern] {
                compiled = known
            } else {
                do { compiled = try dynamicPatterns.pattern(pattern) } catch {
                    throw ExprEvaluationError(description: error.description)
                }
            }
            let matched = compiled.matches(text)
            return .bool(op == .matches ? matched : !matched)
        case .in:
            guard case .array(let elements) = right else { throw mismatch() }
            return .bool(elements.contains(left))
        case .add:
            switch (left, right) {
            case (.number(let a), .number(let b)): return .number(a + b)
            case (.string(let a), _): return .string(a + right.text)
            case (_, .string(let b)): return .string(left.text + b)
            default: throw mismatch()
            }
        case .subtract, .multiply, .divide, .remainder, .power:
            guard case .number(let a) = left, case .number(let b) = right else { throw mismatch() }
            switch op {
            case .subtract: return .number(a - b)
            case .multiply: return .number(a * b)
            case .divide: return .number(a / b)
            case .remainder: return .number(b == 0 ? .nan : a.truncatingRemainder(dividingBy: b))
            default: return .number(Self.power(a, b))
            }
        case .and, .or:
            throw mismatch()
        }
    }

    private static func power(_ base: Double, _ exponent: Double) -> Double {
        Foundation.pow(base, exponent)
    }
}

extension ExprValue {
    package var text: String {
        switch self {
        case .number(let number): TemplateValue.goFloat(number)
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "<nil>"
        case .array(let elements): "[" + elements.map(\.text).joined(separator: " ") + "]"
        case .object(let value): TemplateValue.goString(value)
        }
    }
}
