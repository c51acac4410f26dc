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

    /// A boolean by ``GoBool`` (`true`, `false`, `1`, `0`, `t`, `f`…).
    package mutating func bool(_ key: String, diagnostics: inout Diagnostics) -> Bool? {
        guard let value = take(key) else { return nil }
        guard let text = value.scalarText, let flag = GoBool.parse(text) else {
            diagnostics.error("\(childPath(key)) must be true or false", at: value, path: childPath(key))
            return nil
        }
        return flag
    }

    /// An integer written as one (not quoted).
    package mutating func integer(_ key: String, diagnostics: inout Diagnostics) -> Int64? {
        guard let value = take(key) else { return nil }
        guard case .scalar(let text, .int) = value.kind, let number = Int64(text) else {
            diagnostics.error("\(childPath(key)) must be an integer", at: value, path: childPath(key))
            return nil
        }
        return number
    }

    /// A ``GoDuration`` (`0`, `500ms`, `1h30m`); `bareNumber` says what a plain number means, if anything.
    package mutating func duration(
        _ key: String, bareNumber: GoDuration.BareNumber = .rejected, diagnostics: inout Diagnostics
    ) -> Duration? {
        guard let value = take(key) else { return nil }
        return Self.duration(value, path: childPath(key), bareNumber: bareNumber, diagnostics: &diagnostics)
    }

    /// `node` as a ``GoDuration``, or nil after an error at `path`.
    package static func duration(
        _ node: YAMLTree, path: String, bareNumber: GoDuration.BareNumber, diagnostics: inout Diagnostics
    ) -> Duration? {
        if let text = node.scalarText, let duration = GoDuration.parse(text, bareNumber: bareNumber) {
            return duration
        }
        diagnostics.error(
            "\(path) must be a Go duration such as 500ms, 30s, 5m or 1h30m, found '\(node.scalarText ?? "")'", at: node,
            path: path)
        return nil
    }

    /// The mapping under `key`, to read in turn.
    package mutating func mapping(_ key: String, diagnostics: inout Diagnostics) -> FieldReader? {
        guard let value = take(key) else { return nil }
        return FieldReader(value, path: childPath(key), diagnostics: &diagnostics)
    }

    /// Where `key` is written, or where this mapping starts when it is absent.
    package func location(of key: String) -> SourceLocation {
        node.entries?.first { $0.key == key }?.value.location ?? node.location
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

    /// Reports each unread key as `<label> <path>`, with `hint` when one is known for the key. A key without a hint
    /// that is close to a known key is a typo: `<label> <path> (did you mean '<key>'?)`, with `unknown key` for the
    /// label `not supported:` (a typo is no Argo feature).
    /// - Parameters:
    ///   - hints: explanations of keys that are known but not implemented (Argo features).
    ///   - known: keys accepted here besides those read, for suggestions.
    ///   - label: `not supported:` (Sensors: a key of Argo's that is not implemented) or `unknown key`.
    package func finish(
        diagnostics: inout Diagnostics, hints: [String: String] = [:], known: Set<String> = [],
        label: String = "not supported:"
    ) {
        for entry in node.entries ?? [] where !used.contains(entry.key) {
            let fieldPath = childPath(entry.key)
            let message: String
            if let hint = hints[entry.key] {
                message = "\(label) \(fieldPath) (\(hint))"
            } else if let suggestion = KeySuggestion.closest(to: entry.key, among: used.union(known)) {
                let typoLabel = label == "not supported:" ? "unknown key" : label
                message = "\(typoLabel) \(fieldPath) (did you mean '\(suggestion)'?)"
            } else {
                message = "\(label) \(fieldPath)"
            }
            diagnostics.error(message, at: entry.keyLocation, path: fieldPath)
        }
    }
}
