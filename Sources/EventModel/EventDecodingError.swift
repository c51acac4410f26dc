/// Why an event or value could not be decoded, and where.
///
/// `path` locates the offending value (`$` is the whole payload, `$.data.items[3]` a nested one, `header ce-id`
/// a binary-mode header); `offset` is the byte offset in the payload when it is known.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable {
        /// The payload is larger than ``DecodingLimits/maxPayloadBytes``.
        case payloadTooLarge(size: Int, limit: Int)
        /// Containers nest deeper than the depth limit.
        case nestingTooDeep(limit: Int)
        /// A container declares more elements than ``DecodingLimits/maxContainerElements``.
        case tooManyElements(declared: UInt64, limit: Int)
        /// The input ends before the value does (or a header declares more than the input holds).
        case truncated(needed: UInt64, available: Int)
        /// Bytes follow the top-level value.
        case trailingBytes(count: Int)
        /// A MessagePack format byte that the specification leaves unused (0xc1).
        case reservedFormat(byte: UInt8)
        /// A string is not valid UTF-8.
        case invalidUTF8
        /// A map key that is not a string (nor an integer, which is converted to its decimal text).
        case nonStringMapKey(type: String)
        /// The same key twice in one map.
        case duplicateKey(String)
        /// A MessagePack extension type other than -1 (timestamp).
        case unsupportedExtension(type: Int8)
        /// A timestamp extension of a size other than 4, 8 or 12 bytes, or with nanoseconds ≥ 10⁹.
        case invalidTimestamp(size: Int)
        /// Text that is not JSON; the message says what was expected.
        case invalidJSON(String)
        /// A required CloudEvents attribute is absent or empty.
        case missingAttribute(String)
        /// A CloudEvents attribute holds a value of the wrong type.
        case wrongAttributeType(attribute: String, expected: String, found: String)
        /// A CloudEvents attribute holds an invalid value (bad RFC 3339 time, bad base64, bad name).
        case invalidAttribute(attribute: String, reason: String)
        /// A `specversion` other than 1.0.
        case unsupportedSpecVersion(String)
        /// The payload is neither a MessagePack nor a JSON map, or its content type is unknown.
        case unsupportedFormat(String)
    }

    /// What was wrong.
    public var reason: Reason
    /// Where: `$` for the payload's root, `$.data.k[2]` below it, `header <name>` for a header.
    public var path: String
    /// Byte offset in the payload, when known.
    public var offset: Int?

    /// Creates an error.
    public init(_ reason: Reason, path: String = "$", offset: Int? = nil) {
        self.reason = reason
        self.path = path
        self.offset = offset
    }

    /// A stable snake_case label for metrics (`events_invalid_total{reason}`).
    public var code: String {
        switch reason {
        case .payloadTooLarge: "payload_too_large"
        case .nestingTooDeep: "nesting_too_deep"
        case .tooManyElements: "too_many_elements"
        case .truncated: "truncated"
        case .trailingBytes: "trailing_bytes"
        case .reservedFormat: "reserved_format"
        case .invalidUTF8: "invalid_utf8"
        case .nonStringMapKey: "non_string_map_key"
        case .duplicateKey: "duplicate_key"
        case .unsupportedExtension: "unsupported_extension"
        case .invalidTimestamp: "invalid_timestamp"
        case .invalidJSON: "invalid_json"
        case .missingAttribute: "missing_attribute"
        case .wrongAttributeType: "wrong_attribute_type"
        case .invalidAttribute: "invalid_attribute"
        case .unsupportedSpecVersion: "unsupported_specversion"
        case .unsupportedFormat: "unsupported_format"
        }
    }

    /// One line for logs and the DLQ reason header, e.g. `invalid UTF-8 in string at $.data.name (byte 41)`.
    public var description: String {
        let location = offset.map { " at \(path) (byte \($0))" } ?? " at \(path)"
        return message + location
    }

    private var message: String {
        switch reason {
        case .payloadTooLarge(let size, let limit): "payload of \(size) bytes exceeds the limit of \(limit) bytes"
        case .nestingTooDeep(let limit): "nesting deeper than the limit of \(limit) levels"
        case .tooManyElements(let declared, let limit):
            "container declares \(declared) elements, more than the limit of \(limit)"
        case .truncated(let needed, let available):
            "input truncated: \(needed) bytes declared or needed, \(available) available"
        case .trailingBytes(let count): "\(count) bytes after the end of the value"
        case .reservedFormat(let byte): "reserved MessagePack format byte 0x\(String(byte, radix: 16))"
        case .invalidUTF8: "invalid UTF-8 in string"
        case .nonStringMapKey(let type): "map key of type \(type); keys must be strings or integers"
        case .duplicateKey(let key): "duplicate map key \"\(key)\""
        case .unsupportedExtension(let type): "unsupported MessagePack extension type \(type) (only -1, timestamp)"
        case .invalidTimestamp(let size): "invalid timestamp extension of \(size) bytes"
        case .invalidJSON(let expected): "invalid JSON: \(expected)"
        case .missingAttribute(let name): "missing required CloudEvents attribute \"\(name)\""
        case .wrongAttributeType(let attribute, let expected, let found):
            "CloudEvents attribute \"\(attribute)\" must be \(expected), found \(found)"
        case .invalidAttribute(let attribute, let reason): "invalid CloudEvents attribute \"\(attribute)\": \(reason)"
        case .unsupportedSpecVersion(let version): "unsupported CloudEvents specversion \"\(version)\" (expected 1.0)"
        case .unsupportedFormat(let detail): "unsupported event format: \(detail)"
        }
    }

    /// The same error located one level further out: `component` is prepended to `path`.
    func nested(in component: PathComponent) -> EventDecodingError {
        var copy = self
        let rest = path.dropFirst()  // drop "$"
        switch component {
        case .key(let key) where key.utf8.allSatisfy(PathComponent.isPlainKeyByte):
            copy.path = "$." + key + rest
        case .key(let key):
            copy.path = "$[\"" + key + "\"]" + rest
        case .index(let index):
            copy.path = "$[\(index)]" + rest
        }
        return copy
    }

    /// One step of a path inside a value.
    enum PathComponent {
        case key(String)
        case index(Int)

        static func isPlainKeyByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}
