/// JSON (RFC 8259) to and from ``EventValue``, strict, with ``DecodingLimits``.
///
/// Numbers without fraction or exponent stay integers (`.int`, or `.uint` above `Int64.max`); others, and
/// integers beyond 64 bits, are `.double`. Duplicate keys and invalid UTF-8 are rejected. Encoding keeps the
/// order of map entries, writes `.binary` as base64 text, `.timestamp` as RFC 3339 text, and
/// non-finite doubles as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (protobuf's JSON mapping).
public enum JSONCodec {
    /// Decodes exactly one JSON value (surrounding whitespace allowed) that fills `bytes`.
    /// - Throws: ``EventDecodingError`` naming the limit exceeded or what the parser expected.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodingLimits = .default)
        throws(EventDecodingError) -> EventValue
    {
        guard bytes.count <= limits.maxPayloadBytes else {
            throw EventDecodingError(.payloadTooLarge(size: bytes.count, limit: limits.maxPayloadBytes))
        }
        var parser = JSONParser(bytes: bytes, limits: limits)
        return try parser.parseDocument()
    }

    /// Decodes exactly one JSON value (surrounding whitespace allowed) that fills `bytes`.
    /// - Throws: ``EventDecodingError`` naming the limit exceeded or what the parser expected.
    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .default) throws(EventDecodingError)
        -> EventValue
    {
        try withTypedBytes(bytes) { buffer throws(EventDecodingError) in try decode(buffer, limits: limits) }
    }

    /// The compact JSON text of `value`, map entries in order.
    public static func encode(_ value: EventValue) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        JSONWriter.write(value, into: &bytes)
        return bytes
    }

    /// Appends `text` as a JSON string literal (quoted and escaped as ``encode(_:)`` writes strings) to `bytes`.
    package static func writeString(_ text: String, into bytes: inout [UInt8]) {
        JSONWriter.writeString(text, into: &bytes)
    }

    /// The compact JSON text of `value` as a `String`, map entries in order.
    public static func encodeToString(_ value: EventValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}

/// A recursive-descent parser over UTF-8 bytes.
private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let limits: DecodingLimits
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, limits: DecodingLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(EventDecodingError) -> EventValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if offset < bytes.count {
            throw EventDecodingError(.trailingBytes(count: bytes.count - offset), offset: offset)
        }
        return value
    }

    private func failure(_ expected: String) -> EventDecodingError {
        if offset >= bytes.count {
            return EventDecodingError(.truncated(needed: 1, available: 0), offset: offset)
        }
        return EventDecodingError(.invalidJSON(expected), offset: offset)
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0a, 0x0d: offset += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(EventDecodingError) -> EventValue {
        guard offset < bytes.count else { throw failure("a value") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(EventDecodingError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - offset >= count else {
            throw EventDecodingError(.truncated(needed: UInt64(count), available: bytes.count - offset), offset: offset)
        }
        let start = literal.utf8Start
        for index in 0..<count where bytes[offset + index] != start[index] {
            throw failure("\"\(literal)\"")
        }
        offset += count
    }

    private mutating func enterContainer(depth: Int) throws(EventDecodingError) {
        guard depth < limits.maxDepth else {
            throw EventDecodingError(.nestingTooDeep(limit: limits.maxDepth), offset: offset)
        }
        offset += 1
        skipWhitespace()
    }

    private func checkCount(_ count: Int, start: Int) throws(EventDecodingError) {
        if count > limits.maxContainerElements {
            throw EventDecodingError(
                .tooManyElements(declared: UInt64(count), limit: limits.maxContainerElements), offset: start)
        }
    }

    private mutating func parseObject(depth: Int) throws(EventDecodingError) -> EventValue {
        let start = offset
        try enterContainer(depth: depth)
        var map = EventMap()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return .map(map)
        }
        while true {
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw failure("a string key") }
            let key = try parseString()
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw failure("':' after a key") }
            offset += 1
            skipWhitespace()
            do throws(EventDecodingError) {
                let value = try parseValue(depth: depth + 1)
                if map.updateValue(value, forKey: key) != nil {
                    throw EventDecodingError(.duplicateKey(key), offset: offset)
                }
            } catch {
                throw error.nested(in: .key(key))
            }
            try checkCount(map.count, start: start)
            skipWhitespace()
            guard offset < bytes.count else { throw failure("',' or '}'") }
            if bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .map(map)
            }
            guard bytes[offset] == UInt8(ascii: ",") else { throw failure("',' or '}'") }
            offset += 1
            skipWhitespace()
        }
    }

    private mutating func parseArray(depth: Int) throws(EventDecodingError) -> EventValue {
        let start = offset
        try enterContainer(depth: depth)
        var array: [EventValue] = []
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array(array)
        }
        while true {
            do throws(EventDecodingError) {
                array.append(try parseValue(depth: depth + 1))
            } catch {
                throw error.nested(in: .index(array.count))
            }
            try checkCount(array.count, start: start)
            skipWhitespace()
            guard offset < bytes.count else { throw failure("',' or ']'") }
            if bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(array)
            }
            guard bytes[offset] == UInt8(ascii: ",") else { throw failure("',' or ']'") }
            offset += 1
            skipWhitespace()
        }
    }

    private mutating func parseString() throws(EventDecodingError) -> String {
        let start = offset
        offset += 1  // opening quote
        let contentStart = offset
        // Fast path: no escapes, copy the bytes once after validating them as UTF-8.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let text = try makeString(UnsafeRawBufferPointer(rebasing: bytes[contentStart..<offset]), start: start)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("no control character in a string") }
            offset += 1
        }
        var utf8 = Array(bytes[contentStart..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                guard let text = utf8.withUnsafeBufferPointer(UTF8Text.string) else {
                    throw EventDecodingError(.invalidUTF8, offset: start)
                }
                return text
            case UInt8(ascii: "\\"):
                offset += 1
                try appendEscape(to: &utf8)
            case 0..<0x20:
                throw failure("no control character in a string")
            default:
                utf8.append(byte)
                offset += 1
            }
        }
        throw failure("'\"' closing the string")
    }

    private func makeString(_ buffer: UnsafeRawBufferPointer, start: Int) throws(EventDecodingError) -> String {
        guard let text = UTF8Text.string(buffer.bindMemory(to: UInt8.self)) else {
            throw EventDecodingError(.invalidUTF8, offset: start)
        }
        return text
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(EventDecodingError) {
        guard offset < bytes.count else { throw failure("an escape") }
        let escape = bytes[offset]
        offset += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0c)
        case UInt8(ascii: "n"): utf8.append(0x0a)
        case UInt8(ascii: "r"): utf8.append(0x0d)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xd800..<0xdc00).contains(scalar) {
                guard bytes.count - offset >= 2, bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                else { throw failure("a low surrogate after a high surrogate") }
                offset += 2
                let low = try parseHex4()
                guard (0xdc00..<0xe000).contains(low) else { throw failure("a low surrogate after a high surrogate") }
                scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("a valid \\u escape (lone surrogate)") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw failure("a valid escape character")
        }
    }

    private mutating func parseHex4() throws(EventDecodingError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw failure("four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("four hex digits")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    private mutating func parseNumber() throws(EventDecodingError) -> EventValue {
        let start = offset
        let negative = bytes[offset] == UInt8(ascii: "-")
        if negative { offset += 1 }
        var magnitude: UInt64 = 0
        var overflow = false
        let integerStart = offset
        while offset < bytes.count, let digit = decimalDigit(bytes[offset]) {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            overflow = overflow || o1 || o2
            magnitude = sum
            offset += 1
        }
        let integerDigits = offset - integerStart
        guard integerDigits > 0 else { throw failure("a digit") }
        guard !(integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0")) else {
            throw EventDecodingError(.invalidJSON("no leading zero in a number"), offset: integerStart)
        }
        var isInteger = true
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            try skipDigits()
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            try skipDigits()
        }
        if isInteger, !overflow {
            if !negative { return .unsigned(magnitude) }
            if magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let number = Double(text) else { throw EventDecodingError(.invalidJSON("a number"), offset: start) }
        return .double(number)
    }

    private mutating func skipDigits() throws(EventDecodingError) {
        let start = offset
        while offset < bytes.count, decimalDigit(bytes[offset]) != nil { offset += 1 }
        if offset == start { throw failure("a digit") }
    }

    private func decimalDigit(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }
}

/// Writes compact JSON text.
private enum JSONWriter {
    static func write(_ value: EventValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): bytes.append(contentsOf: String(number).utf8)
        case .uint(let number): bytes.append(contentsOf: String(number).utf8)
        case .double(let number) where number.isNaN: writeString("NaN", into: &bytes)
        case .double(let number) where number.isInfinite:
            writeString(number < 0 ? "-Infinity" : "Infinity", into: &bytes)
        case .double(let number): bytes.append(contentsOf: number.description.utf8)
        case .string(let text): writeString(text, into: &bytes)
        case .binary(let data): writeString(Base64.encode(data), into: &bytes)
        case .timestamp(let time): writeString(time.rfc3339, into: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .map(let entries):
            bytes.append(UInt8(ascii: "{"))
            for (index, entry) in entries.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(entry.value, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` as a JSON string literal: `\"`, `\\`, `\n`, `\r`, `\t`, other control characters as `\u00xx`,
    /// everything else as is; runs needing no escape are copied whole.
    static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated()
            where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case 0x0a: bytes.append(UInt8(ascii: "n"))
                case 0x0d: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    bytes.append(contentsOf: "u00".utf8)
                    bytes.append(hexDigit(byte >> 4))
                    bytes.append(hexDigit(byte & 0x0f))
                default: bytes.append(byte)
                }
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The lower-case hex digit of `nibble` (0...15).
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
