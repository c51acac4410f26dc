package import Yams

/// A YAML mapping being read, with the dotted key that leads to it, for errors.
package struct YAMLSection {
    package let node: Node
    package let key: String
    package let file: String

    package init(node: Node, key: String, file: String) {
        self.node = node
        self.key = key
        self.file = file
    }

    package func path(_ child: String) -> String { key.isEmpty ? child : "\(key).\(child)" }

    package func error(_ child: String, _ reason: String) -> ConfigurationError {
        let line = node.mapping?[child].flatMap { $0.mark?.line } ?? node.mark?.line
        return ConfigurationError(file: file, key: path(child), line: line, reason: reason)
    }

    package func value(_ child: String) throws(ConfigurationError) -> Node? {
        guard let mapping = node.mapping else {
            throw ConfigurationError(file: file, key: key, line: node.mark?.line, reason: "expected a mapping")
        }
        guard let value = mapping[child] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain,
            ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        {
            return nil
        }
        return value
    }

    package func checkKeys(_ known: Set<String>) throws(ConfigurationError) {
        guard let mapping = node.mapping else {
            if case .scalar(let scalar) = node, scalar.string.isEmpty { return }
            throw ConfigurationError(file: file, key: key, line: node.mark?.line, reason: "expected a mapping")
        }
        for (keyNode, _) in mapping {
            guard let name = keyNode.string, known.contains(name) else {
                let name = keyNode.string ?? "?"
                throw ConfigurationError(
                    file: file, key: path(name), line: keyNode.mark?.line,
                    reason: "unknown key (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    package func section(_ child: String) throws(ConfigurationError) -> YAMLSection? {
        guard let value = try value(child) else { return nil }
        guard value.mapping != nil else { throw error(child, "expected a mapping") }
        return YAMLSection(node: value, key: path(child), file: file)
    }

    package func string(_ child: String) throws(ConfigurationError) -> String? {
        guard let value = try value(child) else { return nil }
        guard case .scalar(let scalar) = value else { throw error(child, "expected a string") }
        return scalar.string
    }

    package func stringList(_ child: String) throws(ConfigurationError) -> [String]? {
        guard let value = try value(child) else { return nil }
        if case .scalar(let scalar) = value { return [scalar.string] }
        guard let sequence = value.sequence else { throw error(child, "expected a list of strings") }
        var strings: [String] = []
        for item in sequence {
            guard case .scalar(let scalar) = item else { throw error(child, "expected a list of strings") }
            strings.append(scalar.string)
        }
        return strings
    }

    package func bool(_ child: String) throws(ConfigurationError) -> Bool? {
        guard let text = try string(child) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(child, "expected true or false, found \"\(text)\"")
        }
    }

    package func integer(_ child: String) throws(ConfigurationError) -> Int? {
        guard let text = try string(child) else { return nil }
        guard let number = Int(text) else { throw error(child, "expected an integer, found \"\(text)\"") }
        return number
    }

    /// Seconds as a number (`10`, `0.5`) or with an `s`/`ms` suffix.
    package func seconds(_ child: String) throws(ConfigurationError) -> Duration? {
        guard let text = try string(child) else { return nil }
        var number = text
        var scale = 1.0
        if number.hasSuffix("ms") {
            number.removeLast(2)
            scale = 0.001
        } else if number.hasSuffix("s") {
            number.removeLast()
        }
        guard let value = Double(number), value >= 0, value < 86_400 else {
            throw error(child, "expected seconds (e.g. 10, 2.5s or 500ms), found \"\(text)\"")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
}
