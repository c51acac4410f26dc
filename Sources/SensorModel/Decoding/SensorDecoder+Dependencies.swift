import ConfigReader
import EventModel
import JQProgram
import SensorLanguage

extension SensorDecoder {
    mutating func decodeDependency(_ node: YAMLTree, path: String) -> Dependency? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let name = fields.string("name", required: true, diagnostics: &diagnostics)
        let source = fields.string("eventSourceName", required: true, diagnostics: &diagnostics)
        let event = fields.string("eventName", required: true, diagnostics: &diagnostics)
        let subject = fields.string("subject", diagnostics: &diagnostics)
        let filtersOperator = logicalOperator(&fields, "filtersLogicalOperator")
        var filters: DependencyFilters?
        if let filtersNode = fields.take("filters") {
            filters = decodeFilters(filtersNode, path: fields.childPath("filters"))
        }
        var transform: (any EventTransformation)?
        if let transformNode = fields.take("transform") {
            transform = decodeTransform(transformNode, path: fields.childPath("transform"))
        }
        fields.finish(diagnostics: &diagnostics)
        if subject == nil {
            for (label, value) in [("eventSourceName", source), ("eventName", event)] {
                if let value, value.contains(where: { ".*> \t".contains($0) }) {
                    diagnostics.error(
                        "\(path).\(label) '\(value)' cannot be a NATS subject token (no '.', '*', '>' or spaces); set subject:",
                        at: node[label] ?? node, path: "\(path).\(label)")
                }
            }
        }
        if let subject,
            subject.isEmpty
                || subject.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        {
            diagnostics.error(
                "\(path).subject '\(subject)' is not a valid NATS subject", at: node["subject"] ?? node,
                path: "\(path).subject")
        }
        if let name, !name.unicodeScalars.allSatisfy(ConditionExpression.isNameScalar) {
            diagnostics.warning(
                "\(path).name '\(name)' cannot be written in conditions (letters, digits, '-', '_' and '.' only)",
                at: (node["name"] ?? node).location, path: "\(path).name")
        }
        guard let name, let source, let event else { return nil }
        return Dependency(
            name: name, eventSourceName: source, eventName: event, subjectOverride: subject, filters: filters,
            filtersLogicalOperator: filtersOperator ?? .and, transform: transform, location: node.location)
    }

    /// `transform`: `jq` or a Lua `script`, compiled (jq wins when both are set, as in Argo Events).
    mutating func decodeTransform(_ node: YAMLTree, path: String) -> (any EventTransformation)? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let jq = fields.string("jq", diagnostics: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        let script = fields.string("script", diagnostics: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        fields.finish(diagnostics: &diagnostics)
        if let jq {
            if script != nil {
                diagnostics.warning(
                    "ignored: \(path).script (jq takes precedence when both are set, as in Argo Events)",
                    at: (node["script"] ?? node).location, path: "\(path).script")
            }
            do {
                return JQTransformation(program: try JQProgram(source: jq))
            } catch {
                diagnostics.error(
                    "\(path).jq: \(error.message.split(separator: "\n").joined(separator: "; "))",
                    at: node["jq"] ?? node, path: "\(path).jq")
                return nil
            }
        }
        if let script {
            return compileLua(script, at: node["script"] ?? node, path: "\(path).script")
                .map { LuaTransformation(script: $0) }
        }
        diagnostics.error("\(path) must set jq or script", at: node, path: path)
        return nil
    }

    mutating func logicalOperator(_ fields: inout FieldReader, _ key: String) -> LogicalOperator? {
        guard let text = fields.string(key, diagnostics: &diagnostics), !text.isEmpty else { return nil }
        guard let op = LogicalOperator(rawValue: text) else {
            diagnostics.error(
                "\(fields.childPath(key)) must be 'and' or 'or' (lower case), not '\(text)'",
                at: fields.node[key] ?? fields.node, path: fields.childPath(key))
            return nil
        }
        return op
    }
}
