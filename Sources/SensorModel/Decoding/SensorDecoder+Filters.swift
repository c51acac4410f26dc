import ConfigReader
import EventModel
import LuaScript
import SensorLanguage

extension SensorDecoder {
    /// A dependency's `filters` (also a route's `match`, whose own keys are `known` beside them for suggestions).
    mutating func decodeFilters(_ node: YAMLTree, path: String, known: Set<String> = []) -> DependencyFilters? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        var filters = DependencyFilters(
            exprs: nil, data: nil, context: nil, time: nil, script: nil,
            dataLogicalOperator: logicalOperator(&fields, "dataLogicalOperator") ?? .and,
            exprLogicalOperator: logicalOperator(&fields, "exprLogicalOperator") ?? .and)
        if let elements = fields.list("data", diagnostics: &diagnostics) {
            filters.data = elements.compactMap { decodeDataFilter($0.0, path: $0.1) }
        }
        if let elements = fields.list("exprs", diagnostics: &diagnostics) {
            filters.exprs = elements.compactMap { decodeExprFilter($0.0, path: $0.1) }
        }
        if let contextNode = fields.take("context") {
            filters.context = decodeContextFilter(contextNode, path: fields.childPath("context"))
        }
        if let timeNode = fields.take("time") {
            filters.time = decodeTimeFilter(timeNode, path: fields.childPath("time"))
        }
        if let source = fields.string("script", diagnostics: &diagnostics), !source.isEmpty {
            filters.script = compileLua(source, at: node["script"] ?? node, path: fields.childPath("script"))
                .map { LuaPredicate(script: $0) }
        }
        fields.finish(diagnostics: &diagnostics, known: known)
        return filters
    }

    /// Compiles a Lua script of a filter or transform; a syntax error is a located load error (at the script's own
    /// line when it is a literal block).
    mutating func compileLua(_ source: String, at node: YAMLTree, path: String) -> LuaScript? {
        do {
            return try LuaScript(source: source, name: path)
        } catch {
            // Lua's message starts `[string "<path>"]:<line>:`; the path and line are said once, before it.
            let message = error.message.split(separator: ":", maxSplits: 2).dropFirst(error.line == nil ? 0 : 2)
                .joined(separator: ":").drop { $0 == " " }
            var location = node.location
            if node.isLiteralBlock, let line = error.line {
                location = SourceLocation(file: location.file, line: location.line + line, column: 1)
            }
            diagnostics.error(
                "\(path): Lua syntax error\(error.line.map { " on script line \($0)" } ?? ""): \(message)",
                at: location, path: path)
            return nil
        }
    }

    mutating func decodeDataFilter(_ node: YAMLTree, path: String) -> DataFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let pathText = fields.string("path", required: true, diagnostics: &diagnostics)
        let typeText = fields.string("type", required: true, diagnostics: &diagnostics)
        let values = fields.stringList("value", diagnostics: &diagnostics) ?? []
        let comparatorText = fields.string("comparator", diagnostics: &diagnostics) ?? ""
        let templateText = fields.string("template", diagnostics: &diagnostics)
        fields.finish(diagnostics: &diagnostics)
        let gjsonPath = pathText.flatMap { parsePath($0, at: node["path"] ?? node, path: "\(path).path") }
        var type: DataFilter.ValueType?
        if let typeText {
            type = DataFilter.ValueType(rawValue: typeText)
            if type == nil {
                diagnostics.error(
                    "\(path).type '\(typeText)' is not a JSON type (bool, number, string)", at: node["type"] ?? node,
                    path: "\(path).type")
            }
        }
        if values.isEmpty {
            diagnostics.error(
                "\(path).value must list at least one value", at: node["value"] ?? node, path: "\(path).value")
        } else if values.contains(where: \.isEmpty) {
            diagnostics.error(
                "\(path).value must not contain empty values", at: node["value"] ?? node, path: "\(path).value")
        }
        let comparator =
            comparatorText.isEmpty ? DataFilter.Comparator.equal : DataFilter.Comparator(rawValue: comparatorText)
        if comparator == nil {
            diagnostics.error(
                "\(path).comparator '\(comparatorText)' is not one of = != < <= > >=", at: node["comparator"] ?? node,
                path: "\(path).comparator")
        }
        if type == .string, let comparator, comparator != .equal && comparator != .notEqual {
            diagnostics.error(
                "\(path).comparator '\(comparator.rawValue)' cannot compare strings (only = and !=; Argo Events never passes it)",
                at: node["comparator"] ?? node, path: "\(path).comparator")
        }
        if type == .bool, let comparator, comparator != .equal {
            diagnostics.error(
                "\(path).comparator '\(comparator.rawValue)' has no effect on bool filters in Argo Events (only =); list the other value instead",
                at: node["comparator"] ?? node, path: "\(path).comparator")
        }
        let template = templateText.flatMap {
            parseTemplate($0, at: node["template"] ?? node, path: "\(path).template")
        }
        let (patterns, numbers, booleans) = decodeFilterValues(values, type: type, in: node, path: path)
        guard let gjsonPath, let type, let comparator, !values.isEmpty else { return nil }
        return DataFilter(
            path: gjsonPath, type: type, values: values, comparator: comparator, template: template, patterns: patterns,
            numbers: numbers, booleans: booleans)
    }

    /// The values of a data filter, compiled for its type: regular expressions, numbers or booleans (``GoBool``).
    private mutating func decodeFilterValues(
        _ values: [String], type: DataFilter.ValueType?, in node: YAMLTree, path: String
    ) -> (patterns: [TextPattern], numbers: [Double], booleans: [Bool]) {
        var patterns: [TextPattern] = []
        var numbers: [Double] = []
        var booleans: [Bool] = []
        let valueNode = node["value"] ?? node
        for (position, value) in values.enumerated() where !value.isEmpty {
            let location = valueNode.elements.map { $0[position].location } ?? valueNode.location
            switch type {
            case .string:
                do { patterns.append(try TextPattern(value)) } catch {
                    diagnostics.error(
                        "\(path).value[\(position)] is not a valid regular expression: '\(value)': \(error.reason)",
                        at: location, path: "\(path).value[\(position)]")
                }
            case .number:
                if let number = Double(value.trimmingSpaces) {
                    numbers.append(number)
                } else {
                    diagnostics.error(
                        "\(path).value[\(position)] '\(value)' is not a number", at: location,
                        path: "\(path).value[\(position)]")
                }
            case .bool:
                if let flag = GoBool.parse(value) {
                    booleans.append(flag)
                } else {
                    diagnostics.error(
                        "\(path).value[\(position)] '\(value)' is not a boolean", at: location,
                        path: "\(path).value[\(position)]")
                }
            case nil: break
            }
        }
        return (patterns, numbers, booleans)
    }

    mutating func decodeExprFilter(_ node: YAMLTree, path: String) -> ExprFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let source = fields.string("expr", required: true, diagnostics: &diagnostics)
        var namedPaths: [(name: String, path: GJSONPath)] = []
        let fieldElements = fields.list("fields", diagnostics: &diagnostics) ?? []
        if fieldElements.isEmpty {
            diagnostics.error("\(path).fields must list at least one field", at: node, path: "\(path).fields")
        }
        for (fieldNode, fieldPath) in fieldElements {
            guard var entry = FieldReader(fieldNode, path: fieldPath, diagnostics: &diagnostics) else { continue }
            let name = entry.string("name", required: true, diagnostics: &diagnostics)
            let pathText = entry.string("path", required: true, diagnostics: &diagnostics)
            entry.finish(diagnostics: &diagnostics)
            if let name, let pathText,
                let parsed = parsePath(pathText, at: fieldNode["path"] ?? fieldNode, path: "\(fieldPath).path")
            {
                namedPaths.append((name, parsed))
            }
        }
        fields.finish(diagnostics: &diagnostics)
        guard let source else { return nil }
        let expression: FilterExpression
        do {
            expression = try FilterExpression.parse(source)
        } catch {
            diagnostics.error("\(path).expr: \(error)", at: node["expr"] ?? node, path: "\(path).expr")
            return nil
        }
        let defined = Set(namedPaths.map(\.name))
        for variable in expression.variables.sorted() where !defined.contains(variable) {
            diagnostics.error(
                "\(path).expr uses '\(variable)', which no field defines", at: node["expr"] ?? node,
                path: "\(path).expr")
        }
        var patterns: [String: TextPattern] = [:]
        collectPatterns(expression, into: &patterns, at: node["expr"] ?? node, path: "\(path).expr")
        guard !namedPaths.isEmpty else { return nil }
        return ExprFilter(expression: expression, source: source, fields: namedPaths, patterns: patterns)
    }

    mutating func collectPatterns(
        _ expression: FilterExpression, into patterns: inout [String: TextPattern], at node: YAMLTree, path: String
    ) {
        switch expression {
        case .binary(let op, let left, let right):
            if op == .matches || op == .notMatches, case .string(let pattern) = right {
                do { patterns[pattern] = try TextPattern(pattern) } catch {
                    diagnostics.error(
                        "\(path): '\(pattern)' is not a valid regular expression: \(error.reason)", at: node,
                        path: path)
                }
            }
            collectPatterns(left, into: &patterns, at: node, path: path)
            collectPatterns(right, into: &patterns, at: node, path: path)
        case .not(let operand), .negate(let operand):
            collectPatterns(operand, into: &patterns, at: node, path: path)
        case .conditional(let condition, let then, let otherwise):
            for part in [condition, then, otherwise] { collectPatterns(part, into: &patterns, at: node, path: path) }
        case .array(let elements):
            for element in elements { collectPatterns(element, into: &patterns, at: node, path: path) }
        case .number, .string, .bool, .variable:
            break
        }
    }

    mutating func decodeContextFilter(_ node: YAMLTree, path: String) -> ContextFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }
        let filter = ContextFilter(
            type: nonEmpty(fields.string("type", diagnostics: &diagnostics)),
            subject: nonEmpty(fields.string("subject", diagnostics: &diagnostics)),
            source: nonEmpty(fields.string("source", diagnostics: &diagnostics)),
            dataContentType: nonEmpty(fields.string("datacontenttype", diagnostics: &diagnostics)))
        for key in ["id", "specversion", "time", "dataschema"] {
            if let value = fields.take(key) {
                diagnostics.warning(
                    "ignored: \(path).\(key) (context filters compare only type, subject, source and datacontenttype, as in Argo Events)",
                    at: value.location, path: "\(path).\(key)")
            }
        }
        fields.finish(diagnostics: &diagnostics)
        if filter.type == nil && filter.subject == nil && filter.source == nil && filter.dataContentType == nil {
            diagnostics.error(
                "\(path) must set at least one of type, subject, source, datacontenttype", at: node, path: path)
            return nil
        }
        return filter
    }

    mutating func decodeTimeFilter(_ node: YAMLTree, path: String) -> TimeFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let startText = fields.string("start", required: true, diagnostics: &diagnostics)
        let stopText = fields.string("stop", required: true, diagnostics: &diagnostics)
        let zoneText = fields.string("timezone", diagnostics: &diagnostics)
        fields.finish(diagnostics: &diagnostics)
        var start: TimeOfDay?
        var stop: TimeOfDay?
        for (key, text) in [("start", startText), ("stop", stopText)] {
            guard let text else { continue }
            let parsed = TimeOfDay(text)
            if parsed == nil {
                diagnostics.error(
                    "\(path).\(key) '\(text)' is not a time HH:MM:SS", at: node[key] ?? node, path: "\(path).\(key)")
            }
            if key == "start" { start = parsed } else { stop = parsed }
        }
        guard let zone = decodeZone(zoneText, node: node, path: path) else { return nil }
        guard let start, let stop else { return nil }
        if start == stop {
            diagnostics.error(
                "\(path): start and stop are both \(start); the window would be empty", at: node, path: path)
            return nil
        }
        return TimeFilter(start: start, stop: stop, zone: zone)
    }

    /// A `timezone` field: UTC when absent or empty, `nil` (with an error) when it names no time zone.
    mutating func decodeZone(_ text: String?, node: YAMLTree, path: String) -> ZoneRule? {
        guard let text, !text.isEmpty else { return .utc }
        guard let zone = ZoneRule(identifier: text) else {
            diagnostics.error(
                "\(path).timezone: invalid timezone '\(text)'", at: node["timezone"] ?? node, path: "\(path).timezone")
            return nil
        }
        return zone
    }
}
