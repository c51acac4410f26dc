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
    ///
    /// Untagged plain scalars are typed by ``PlainScalar``, not by Yams' default resolver (Yams' basic resolver leaves
    /// them unresolved). Yams' check of duplicate mapping keys then compares keys by text alone, where with its
    /// default resolver it compares text and type (`1` and `'1'` are two keys, `1` and `!!int 1` one). A text that
    /// does not parse so, or whose mapping repeats a key's text, is parsed again with the default resolver, whose
    /// result (the trees, or the error) is what this returns: the trees of the first parse are the same as the
    /// default resolver's.
    /// - Throws: ``ConfigurationError`` with the location libyaml reported.
    package static func documents(of text: String, file: String) throws(ConfigurationError) -> [YAMLTree] {
        if let trees = try? parse(text, file: file, typing: .byText) { return trees }
        return try documentsResolvedByYams(of: text, file: file)
    }

    /// ``documents(of:file:)`` with every scalar typed by Yams' default resolver.
    package static func documentsResolvedByYams(of text: String, file: String) throws(ConfigurationError)
        -> [YAMLTree]
    {
        do throws(ParseFailure) {
            return try parse(text, file: file, typing: .byYams)
        } catch {
            switch error {
            case .invalid(let error): throw error
            // Thrown only when scalars are typed by text.
            case .repeatedKey: throw ConfigurationError(file: file, "cannot parse YAML: a mapping repeats a key")
            }
        }
    }

    /// Who gives a plain scalar its type.
    private enum Typing {
        /// ``PlainScalar``; a mapping whose keys repeat a text is ``ParseFailure/repeatedKey``.
        case byText
        /// Yams' default resolver.
        case byYams
    }

    private enum ParseFailure: Error {
        case invalid(ConfigurationError)
        /// Keys of one mapping with the same text, which Yams' default resolver may tell apart by type.
        case repeatedKey
    }

    /// The encoding Yams reads text in (`YAMS_DEFAULT_ENCODING`, else UTF-8), read from the environment once.
    private static let encodingName = Parser.Encoding.default.rawValue

    private static func parse(_ text: String, file: String, typing: Typing) throws(ParseFailure) -> [YAMLTree] {
        var trees: [YAMLTree] = []
        do {
            var sequence = try Yams.compose_all(
                yaml: text, typing == .byText ? .basic : .default, .default,
                Parser.Encoding(rawValue: encodingName) ?? .default)
            while let node = sequence.next() {
                trees.append(try YAMLTree(node, file: file, typing: typing, depth: 0))
            }
            if let error = sequence.error { throw error }
        } catch let failure as ParseFailure {
            throw failure
        } catch let error as YamlError {
            throw .invalid(ConfigurationError.yamlSyntax(file: file, error: error))
        } catch {
            throw .invalid(ConfigurationError(file: file, "cannot parse YAML: \(error)"))
        }
        return trees
    }

    /// The deepest nesting accepted: a guard against stack exhaustion on hostile input.
    static let maximumDepth = 200

    private init(_ node: Node, file: String, typing: Typing, depth: Int) throws(ParseFailure) {
        let mark = node.mark
        location = SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
        guard depth < Self.maximumDepth else {
            throw .invalid(ConfigurationError(at: location, "YAML nested deeper than \(Self.maximumDepth) levels"))
        }
        switch node {
        case .scalar(let scalar):
            let type: ScalarType
            if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal
                || scalar.style == .folded
            {
                type = .string
            } else {
                type = Self.type(of: scalar, node: node, typing: typing)
            }
            kind = .scalar(scalar.string, type)
            isLiteralBlock = scalar.style == .literal
        case .mapping(let mapping):
            var entries: [(key: String, keyLocation: SourceLocation, value: YAMLTree)] = []
            entries.reserveCapacity(mapping.count)
            // Keys seen, in a set for a large mapping (a search of the entries for a small one).
            var keys: Set<String>? = typing == .byText && mapping.count > 16 ? Set(minimumCapacity: mapping.count) : nil
            for (key, value) in mapping {
                let keyLocation = SourceLocation(file: file, line: key.mark?.line ?? 0, column: key.mark?.column ?? 0)
                guard let keyText = key.scalar?.string else {
                    throw .invalid(ConfigurationError(at: keyLocation, "mapping keys must be scalars"))
                }
                if keyText == "<<" {
                    throw .invalid(ConfigurationError(at: keyLocation, "not supported: YAML merge key '<<'"))
                }
                if typing == .byText {
                    let repeated =
                        if keys != nil { keys?.insert(keyText).inserted == false } else {
                            entries.contains { $0.key == keyText }
                        }
                    if repeated { throw .repeatedKey }
                }
                entries.append(
                    (keyText, keyLocation, try YAMLTree(value, file: file, typing: typing, depth: depth + 1)))
            }
            kind = .mapping(entries)
        case .sequence(let sequence):
            var elements: [YAMLTree] = []
            elements.reserveCapacity(sequence.count)
            for element in sequence {
                elements.append(try YAMLTree(element, file: file, typing: typing, depth: depth + 1))
            }
            kind = .sequence(elements)
        case .alias:
            throw .invalid(ConfigurationError(at: location, "not supported: YAML alias"))
        }
    }

    /// The type of a plain scalar: by its tag when it has one (`!!int 5`), else by its text.
    private static func type(of scalar: Node.Scalar, node: Node, typing: Typing) -> ScalarType {
        // Typed by text, the tag as written: implicit when the scalar has none (Yams resolves tags lazily; while
        // parsing, only mapping keys are, by its duplicate check).
        let tag = typing == .byText ? scalar.tag.rawValue : node.tag.rawValue
        switch tag {
        case Tag.Name.implicit.rawValue: return PlainScalar.type(of: scalar.string)
        case Tag.Name.int.rawValue: return .int
        case Tag.Name.float.rawValue: return .float
        case Tag.Name.bool.rawValue: return .bool
        case Tag.Name.null.rawValue: return .null
        default: return .string
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
