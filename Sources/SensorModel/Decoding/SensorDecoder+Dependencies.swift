import ConfigReader
import EventModel
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
        fields.finish(diagnostics: &diagnostics, hints: ["transform": "jq and Lua transforms are not implemented"])
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
            filtersLogicalOperator: filtersOperator ?? .and, location: node.location)
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
