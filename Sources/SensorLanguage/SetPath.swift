public import EventModel

/// A destination path in sjson syntax (`spec.arguments.parameters.0.value`, `items.-1` to append,
/// `a\.b` for a key with a dot), parsed once.
public struct SetPath: Sendable, Hashable, CustomStringConvertible {
    /// One step.
    public enum Component: Sendable, Hashable {
        /// An object key, or an array index when the key is a non-negative integer and the value is an array.
        case key(String)
        /// `-1`: one past the end of an array.
        case append
    }

    /// The steps.
    public let components: [Component]

    /// The largest array index a destination may name (sjson pads an array up to the index with nulls).
    public static let maximumIndex = 10_000

    /// A path of the given steps.
    public init(components: [Component]) {
        self.components = components
    }

    /// Parses a path.
    /// - Throws: ``PathSyntaxError`` for an empty path or component, or sjson syntax not supported here
    ///   (wildcards, `#`, `|`, `@`).
    public init(_ text: String) throws(PathSyntaxError) {
        var components: [Component] = []
        var key = ""
        var offset = 0
        var escaping = false
        func fail(_ reason: String) -> PathSyntaxError { PathSyntaxError(path: text, offset: offset, reason: reason) }
        func finishComponent() throws(PathSyntaxError) {
            guard !key.isEmpty else { throw fail("empty key") }
            if let index = Int(key), index > Self.maximumIndex {
                throw fail("array index \(index) is above \(Self.maximumIndex)")
            }
            components.append(key == "-1" ? .append : .key(key))
            key = ""
        }
        guard !text.isEmpty else { throw fail("empty path") }
        for scalar in text.unicodeScalars {
            defer { offset += 1 }
            if escaping {
                key.unicodeScalars.append(scalar)
                escaping = false
                continue
            }
            switch scalar {
            case "\\": escaping = true
            case ".": try finishComponent()
            case "*", "?", "#", "|", "@":
                throw fail("not supported in a destination: '\(scalar)'")
            default: key.unicodeScalars.append(scalar)
            }
        }
        guard !escaping else { throw fail("path ends with '\\'") }
        try finishComponent()
        self.components = components
    }

    /// The path in sjson syntax.
    public var description: String {
        components.map { component in
            switch component {
            case .append: return "-1"
            case .key(let key):
                var out = ""
                for scalar in key.unicodeScalars {
                    if "\\.*?#|@".unicodeScalars.contains(scalar) { out.unicodeScalars.append("\\") }
                    out.unicodeScalars.append(scalar)
                }
                return out
            }
        }.joined(separator: ".")
    }

    /// The value at this path, `nil` when absent (`-1` is never present).
    public func value(in document: EventValue) -> EventValue? {
        var current = document
        for component in components {
            guard case .key(let key) = component else { return nil }
            switch current {
            case .map(let map):
                guard let next = map[key] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(key), index >= 0, index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Writes `value` at this path, creating objects (or arrays, before a numeric key or `-1`) on the way, as sjson does.
    public func set(_ value: EventValue, in document: inout EventValue) {
        Self.set(value, components[...], in: &document)
    }

    private static func set(_ value: EventValue, _ components: ArraySlice<Component>, in node: inout EventValue) {
        guard let first = components.first else {
            node = value
            return
        }
        let rest = components.dropFirst()
        switch first {
        case .append:
            var elements = node.arrayValue ?? []
            var child = EventValue.null
            if !rest.isEmpty { child = emptyContainer(for: rest.first) }
            set(value, rest, in: &child)
            elements.append(child)
            node = .array(elements)
        case .key(let key):
            if case .array(var elements) = node, let index = Int(key), index >= 0, index <= Self.maximumIndex {
                while elements.count <= index { elements.append(.null) }
                set(value, rest, in: &elements[index])
                node = .array(elements)
                return
            }
            if case .map(var map) = node {
                var child = map[key] ?? emptyContainer(for: rest.first)
                set(value, rest, in: &child)
                map[key] = child
                node = .map(map)
                return
            }
            // Absent or scalar: sjson creates an array for a numeric key and an object otherwise.
            if let index = Int(key), index >= 0, index <= Self.maximumIndex {
                var elements = [EventValue](repeating: .null, count: index + 1)
                set(value, rest, in: &elements[index])
                node = .array(elements)
            } else {
                var child = emptyContainer(for: rest.first)
                set(value, rest, in: &child)
                node = .map([key: child])
            }
        }
    }

    private static func emptyContainer(for next: Component?) -> EventValue {
        switch next {
        case .none: .null
        case .append: .array([])
        case .key(let key): Int(key).map { $0 >= 0 } == true ? .array([]) : .map([:])
        }
    }
}
