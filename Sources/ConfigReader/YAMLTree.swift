package import EventModel
import Yams

/// A YAML node with its location: the parsed form of a Sensor document before it is decoded.
///
/// Yams' `Node` is not `Sendable` and resolves tags lazily; this tree is built once per document, keeps every
/// node's `line:col`, and preserves mapping order so findings come out in file order.
package struct YAMLTree: Sendable {
    /// The shape of a node.
    package enum Kind: Sendable {
        /// A scalar with its text and its resolved YAML type.
        case scalar(String, ScalarType)
        /// A mapping, in document order; keys are scalars.
        case mapping([(key: String, keyLocation: SourceLocation, value: YAMLTree)])
        /// A sequence.
        case sequence([YAMLTree])
    }

    /// The YAML 1.1 core type a plain scalar resolves to (quoted scalars are always strings).
    package enum ScalarType: Sendable {
        case string, int, float, bool, null
    }

    package var kind: Kind
    package var location: SourceLocation
    /// Whether this is a literal block scalar (`|`): its text's line `n` is the file's line `location.line + n`.
    package var isLiteralBlock = false

    /// The scalar text, when this is a scalar that is not null.
    package var scalarText: String? {
        if case .scalar(let text, let type) = kind, type != .null { return text }
        return nil
    }

    /// Whether this is a null scalar (`~`, `null` or empty).
    package var isNull: Bool {
        if case .scalar(_, .null) = kind { return true }
        return false
    }

    /// The entries, when this is a mapping.
    package var entries: [(key: String, keyLocation: SourceLocation, value: YAMLTree)]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    /// The elements, when this is a sequence.
    package var elements: [YAMLTree]? {
        if case .sequence(let elements) = kind { return elements }
        return nil
    }

    /// The value under `key`, when this is a mapping holding it.
    package subscript(key: String) -> YAMLTree? {
        entries?.first { $0.key == key }?.value
    }

    /// The node as a JSON-like value: mappings become maps, scalars keep their resolved type.
    package var eventValue: EventValue {
        switch kind {
        case .scalar(let text, let type):
            switch type {
            case .string: return .string(text)
            case .null: return .null
            case .bool: return .bool(["true", "yes", "on", "y"].contains(text.lowercased()))
            case .int:
                if let value = Int64(text) { return .int(value) }
                if let value = Int64(text.replacingUnderscores(), radix: 10) { return .int(value) }
                if text.hasPrefix("0x"), let value = Int64(text.dropFirst(2), radix: 16) { return .int(value) }
                if text.hasPrefix("0o"), let value = Int64(text.dropFirst(2), radix: 8) { return .int(value) }
                return .string(text)
            case .float:
                switch text.lowercased() {
                case ".inf", "+.inf": return .double(.infinity)
                case "-.inf": return .double(-.infinity)
                case ".nan": return .double(.nan)
                default: return Double(text.replacingUnderscores()).map(EventValue.double) ?? .string(text)
                }
            }
        case .mapping(let entries):
            var map = EventMap()
            map.reserveCapacity(entries.count)
            for entry in entries { map[entry.key] = entry.value.eventValue }
            return .map(map)
        case .sequence(let elements):
            return .array(elements.map(\.eventValue))
        }
    }

    /// Parses every document of a YAML text.
    /// - Throws: ``ConfigurationError`` with the location libyaml reported.
    package static func documents(of text: String, file: String) throws(ConfigurationError) -> [YAMLTree] {
        var trees: [YAMLTree] = []
        do {
            // The basic resolver leaves untagged plain scalars unresolved: ``PlainScalar`` types them.
            var sequence = try Yams.compose_all(yaml: text, .basic)
            while let node = sequence.next() {
                trees.append(try YAMLTree(node, file: file, depth: 0))
            }
            if let error = sequence.error { throw error }
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError.yamlSyntax(file: file, error: error)
        } catch {
            throw ConfigurationError(file: file, "cannot parse YAML: \(error)")
        }
        return trees
    }

    /// The deepest nesting accepted: a guard against stack exhaustion on hostile input.
    static let maximumDepth = 200

    private init(_ node: Node, file: String, depth: Int) throws(ConfigurationError) {
        let mark = node.mark
        location = SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
        guard depth < Self.maximumDepth else {
            throw ConfigurationError(at: location, "YAML nested deeper than \(Self.maximumDepth) levels")
        }
        switch node {
        case .scalar(let scalar):
            let type: ScalarType
            if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal
                || scalar.style == .folded
            {
                type = .string
            } else {
                // The tag as written: implicit when the scalar has none.
                switch scalar.tag.rawValue {
                case Tag.Name.implicit.rawValue: type = PlainScalar.type(of: scalar.string)
                case Tag.Name.int.rawValue: type = .int
                case Tag.Name.float.rawValue: type = .float
                case Tag.Name.bool.rawValue: type = .bool
                case Tag.Name.null.rawValue: type = .null
                default: type = .string
                }
            }
            kind = .scalar(scalar.string, type)
            isLiteralBlock = scalar.style == .literal
        case .mapping(let mapping):
            var entries: [(key: String, keyLocation: SourceLocation, value: YAMLTree)] = []
            for (key, value) in mapping {
                let keyLocation = SourceLocation(file: file, line: key.mark?.line ?? 0, column: key.mark?.column ?? 0)
                guard let keyText = key.scalar?.string else {
                    throw ConfigurationError(at: keyLocation, "mapping keys must be scalars")
                }
                if keyText == "<<" {
                    throw ConfigurationError(at: keyLocation, "not supported: YAML merge key '<<'")
                }
                entries.append((keyText, keyLocation, try YAMLTree(value, file: file, depth: depth + 1)))
            }
            kind = .mapping(entries)
        case .sequence(let sequence):
            var elements: [YAMLTree] = []
            for element in sequence { elements.append(try YAMLTree(element, file: file, depth: depth + 1)) }
            kind = .sequence(elements)
        case .alias:
            throw ConfigurationError(at: location, "not supported: YAML alias")
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

extension ConfigurationError {
    /// A libyaml error, located where libyaml stopped.
    static func yamlSyntax(file: String, error: YamlError) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let location = SourceLocation(file: file, line: mark.line, column: mark.column)
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return ConfigurationError(at: location, "invalid YAML: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let location = SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            return ConfigurationError(
                at: location, "invalid YAML: duplicate keys \(duplicates.joined(separator: ", "))")
        default:
            return ConfigurationError(file: file, "invalid YAML: \(error)")
        }
    }
}
