/// A decoded event value: the data model shared by the MessagePack and JSON codecs, filters and triggers.
///
/// Integers keep their full 64-bit range: values that fit `Int64` are `.int`, only values above `Int64.max`
/// are `.uint`, so every decoder produces one canonical form per number. Maps have string keys, as JSON
/// objects do (MessagePack integer keys become their decimal text, see ``MessagePackCodec``), and keep the
/// order of their entries (see ``EventMap``).
public enum EventValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([EventValue])
    case map(EventMap)
    case timestamp(EventTimestamp)

    /// The canonical value of an unsigned integer: `.int` when it fits in `Int64`, else `.uint`.
    public static func unsigned(_ value: UInt64) -> EventValue {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
    }

    /// The type name used in error messages and `explain` output (`"string"`, `"map"`, ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .uint: "integer"
        case .double: "double"
        case .string: "string"
        case .binary: "binary"
        case .array: "array"
        case .map: "map"
        case .timestamp: "timestamp"
        }
    }

    /// The string, if this is `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The entries, if this is `.map`.
    public var mapValue: EventMap? {
        if case .map(let value) = self { value } else { nil }
    }

    /// The elements, if this is `.array`.
    public var arrayValue: [EventValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The value under `key`, if this is a map holding it.
    public subscript(key: String) -> EventValue? {
        mapValue?[key]
    }
}

extension EventValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension EventValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension EventValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension EventValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension EventValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension EventValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: EventValue...) { self = .array(elements) }
}

extension EventValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, EventValue)...) {
        var map = EventMap()
        map.reserveCapacity(elements.count)
        for (key, value) in elements { map[key] = value }
        self = .map(map)
    }
}
