package import EventModel

/// A mapping being decoded: hands out its entries by key and, at the end, reports every key nobody asked for.
package struct FieldReader {
    package let node: YAMLTree
    package let path: String
    private var used: Set<String> = []

    package init?(_ node: YAMLTree, path: String, diagnostics: inout Diagnostics) {
        guard node.entries != nil else {
            diagnostics.error("expected a mapping at \(path)", at: node, path: path)
            return nil
        }
        self.node = node
        self.path = path
    }

    package func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The entry under `key` (a null value counts as absent).
    package mutating func take(_ key: String) -> YAMLTree? {
        used.insert(key)
        guard let value = node[key], !value.isNull else { return nil }
        return value
    }

    /// Marks keys as handled without reading them.
    package mutating func ignore(_ keys: String...) {
        used.formUnion(keys)
    }

    /// A scalar's text (numbers and booleans as written).
    package mutating func string(_ key: String, required: Bool = false, diagnostics: inout Diagnostics) -> String? {
        guard let value = take(key) else {
            if required { diagnostics.error("\(childPath(key)) is required", at: node, path: childPath(key)) }
            return nil
        }
        guard let text = value.scalarText else {
            diagnostics.error("\(childPath(key)) must be a string", at: value, path: childPath(key))
            return nil
        }
        if required && text.isEmpty {
            diagnostics.error("\(childPath(key)) must not be empty", at: value, path: childPath(key))
            return nil
        }
        return text
    }

    package mutating func bool(_ key: String, diagnostics: inout Diagnostics) -> Bool? {
        guard let value = take(key) else { return nil }
        guard case .scalar(let text, let type) = value.kind, type == .bool || type == .string,
            let flag = GoBool.parse(text)
        else {
            diagnostics.error("\(childPath(key)) must be true or false", at: value, path: childPath(key))
            return nil
        }
        return flag
    }

    package mutating func number(_ key: String, diagnostics: inout Diagnostics) -> Double? {
        guard let value = take(key) else { return nil }
        guard let text = value.scalarText, let number = Double(text), number.isFinite else {
            diagnostics.error("\(childPath(key)) must be a number", at: value, path: childPath(key))
            return nil
        }
        return number
    }

    package mutating func list(_ key: String, diagnostics: inout Diagnostics) -> [(YAMLTree, String)]? {
        guard let value = take(key) else { return nil }
        guard let elements = value.elements else {
            diagnostics.error("\(childPath(key)) must be a list", at: value, path: childPath(key))
            return nil
        }
        return elements.enumerated().map { ($1, "\(childPath(key))[\($0)]") }
    }

    package mutating func stringList(_ key: String, diagnostics: inout Diagnostics) -> [String]? {
        guard let elements = list(key, diagnostics: &diagnostics) else { return nil }
        var strings: [String] = []
        for (element, path) in elements {
            guard let text = element.scalarText else {
                diagnostics.error("\(path) must be a string", at: element, path: path)
                continue
            }
            strings.append(text)
        }
        return strings
    }

    /// Reports each unread key: `not supported: <path>` (with `hint` when one is known for the key).
    package func finish(diagnostics: inout Diagnostics, hints: [String: String] = [:]) {
        for entry in node.entries ?? [] where !used.contains(entry.key) {
            let fieldPath = childPath(entry.key)
            let hint = hints[entry.key].map { " (\($0))" } ?? ""
            diagnostics.error("not supported: \(fieldPath)\(hint)", at: entry.keyLocation, path: fieldPath)
        }
    }
}
