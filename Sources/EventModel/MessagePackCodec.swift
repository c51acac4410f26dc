internal import CMsgPack

/// MessagePack to and from ``EventValue``; decoding goes through msgpack-c.
///
/// Decisions for what MessagePack has and JSON lacks:
/// - Extension type -1 is a timestamp (4, 8 or 12 bytes); any other extension type is rejected with
///   ``EventDecodingError/Reason/unsupportedExtension(type:)``: it has no meaning a filter could use and
///   guessing one would silently change the event.
/// - Map keys must be strings; integer keys become their decimal text (as Go's `encoding/json` does for
///   `map[int]T`), any other key type is rejected. A key present twice is rejected.
/// - float32 widens to `.double`; encoding writes float64.
public enum MessagePackCodec {
    /// Deepest nesting msgpack-c's parser accepts: its stack is fixed at compile time
    /// (`MSGPACK_EMBED_STACK_SIZE` = 32 in Debian's libmsgpackc2), below the default limit of 64.
    public static let parserDepthCeiling = 32

    /// Decodes exactly one value that fills `bytes`.
    /// - Throws: ``EventDecodingError`` naming the limit exceeded or the malformed value.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodingLimits = .default)
        throws(EventDecodingError) -> EventValue
    {
        try withParsed(bytes, limits: limits) { object throws(EventDecodingError) in try value(of: object) }
    }

    /// Checks `bytes` against `limits`, parses them with msgpack-c and calls `body` with the value, valid only
    /// inside `body`.
    private static func withParsed(
        _ bytes: UnsafeRawBufferPointer, limits: DecodingLimits,
        _ body: (msgpack_object) throws(EventDecodingError) -> EventValue
    ) throws(EventDecodingError) -> EventValue {
        guard bytes.count <= limits.maxPayloadBytes else {
            throw EventDecodingError(.payloadTooLarge(size: bytes.count, limit: limits.maxPayloadBytes))
        }
        try MessagePackPreflight.check(
            bytes, maxDepth: min(limits.maxDepth, parserDepthCeiling), maxElements: limits.maxContainerElements)
        guard let base = bytes.baseAddress else { throw EventDecodingError(.truncated(needed: 1, available: 0)) }

        var unpacked = msgpack_unpacked()
        msgpack_unpacked_init(&unpacked)
        defer { msgpack_unpacked_destroy(&unpacked) }
        var consumed = 0
        let status = msgpack_unpack_next(&unpacked, base.assumingMemoryBound(to: CChar.self), bytes.count, &consumed)
        guard status == MSGPACK_UNPACK_SUCCESS else {
            // The preflight accepted the input, so only memory exhaustion remains.
            throw EventDecodingError(.truncated(needed: UInt64(bytes.count), available: consumed))
        }
        return try body(unpacked.data)
    }

    /// Decodes exactly one value that fills `bytes`.
    /// - Throws: ``EventDecodingError`` naming the limit exceeded or the malformed value.
    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .default) throws(EventDecodingError)
        -> EventValue
    {
        try withTypedBytes(bytes) { buffer throws(EventDecodingError) in try decode(buffer, limits: limits) }
    }

    /// Decodes a structured CloudEvent, a map that fills `bytes`, as ``decode(_:limits:)`` does, except that of its
    /// `data` entry, when that is a map, only the entries under `dataKeys` are built: the others are checked as
    /// decoding checks them (so the same input is rejected) but not built.
    /// - Throws: ``EventDecodingError`` where ``decode(_:limits:)`` throws; the error may differ from its.
    static func decodeStructured(_ bytes: UnsafeRawBufferPointer, limits: DecodingLimits, dataKeys: Set<String>)
        throws(EventDecodingError) -> EventValue
    {
        try withParsed(bytes, limits: limits) { object throws(EventDecodingError) in
            guard object.type == MSGPACK_OBJECT_MAP else { return try value(of: object) }
            return .map(try map(of: object, .dataReducedTo(dataKeys)))
        }
    }

    /// The MessagePack encoding of `value`, in the smallest format for each element; map entries in order.
    public static func encode(_ value: EventValue) -> [UInt8] {
        var writer = MessagePackWriter()
        writer.write(value)
        return writer.bytes
    }

    private static func value(of object: msgpack_object) throws(EventDecodingError) -> EventValue {
        switch object.type {
        case MSGPACK_OBJECT_NIL:
            return .null
        case MSGPACK_OBJECT_BOOLEAN:
            return .bool(object.via.boolean)
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            return .unsigned(object.via.u64)
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return .int(object.via.i64)
        case MSGPACK_OBJECT_FLOAT32, MSGPACK_OBJECT_FLOAT64:
            return .double(object.via.f64)
        case MSGPACK_OBJECT_STR:
            return .string(try string(object.via.str.ptr, count: Int(object.via.str.size)))
        case MSGPACK_OBJECT_BIN:
            let count = Int(object.via.bin.size)
            guard count > 0, let pointer = object.via.bin.ptr else { return .binary([]) }
            return .binary(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        case MSGPACK_OBJECT_ARRAY:
            let count = Int(object.via.array.size)
            guard count > 0, let elements = object.via.array.ptr else { return .array([]) }
            var array = [EventValue]()
            array.reserveCapacity(count)
            for index in 0..<count {
                do throws(EventDecodingError) { array.append(try value(of: elements[index])) } catch {
                    throw error.nested(in: .index(index))
                }
            }
            return .array(array)
        case MSGPACK_OBJECT_MAP:
            return .map(try map(of: object, .all))
        case MSGPACK_OBJECT_EXT:
            return try timestamp(object)
        default:
            throw EventDecodingError(.unsupportedFormat("msgpack-c object type \(object.type.rawValue)"))
        }
    }

    /// Which entries of a map decoding builds.
    private enum MapSelection {
        /// Every entry.
        case all
        /// The entries under these keys; the others are checked, not built.
        case only(Set<String>)
        /// Every entry, the map under `data` reduced to the entries under these keys.
        case dataReducedTo(Set<String>)
    }

    private static func map(of object: msgpack_object, _ selection: MapSelection) throws(EventDecodingError)
        -> EventMap
    {
        let count = Int(object.via.map.size)
        guard count > 0, let entries = object.via.map.ptr else { return [:] }
        var elements = [EventMap.Element]()
        elements.reserveCapacity(count)
        var seen = count > EventMap.indexThreshold ? Set<String>(minimumCapacity: count) : nil
        for index in 0..<count {
            let key = try mapKey(entries[index].key)
            if try isDuplicate(key, at: index, of: entries, seen: &seen) {
                throw EventDecodingError(.duplicateKey(key)).nested(in: .key(key))
            }
            let entry = entries[index].val
            do throws(EventDecodingError) {
                switch selection {
                case .all:
                    elements.append((key, try value(of: entry)))
                case .only(let keys):
                    if keys.contains(key) { elements.append((key, try value(of: entry))) } else { try check(entry) }
                case .dataReducedTo(let keys):
                    if key == "data" && entry.type == MSGPACK_OBJECT_MAP {
                        elements.append((key, .map(try map(of: entry, .only(keys)))))
                    } else {
                        elements.append((key, try value(of: entry)))
                    }
                }
            } catch {
                throw error.nested(in: .key(key))
            }
        }
        return EventMap(uniqueEntries: elements)
    }

    /// Whether the key of entry `index`, `key`, is also the key of an earlier entry: small maps compare it with the
    /// earlier keys on the wire, large ones (`seen` not nil) look it up in the set of keys seen.
    private static func isDuplicate(
        _ key: String, at index: Int, of entries: UnsafeMutablePointer<msgpack_object_kv>, seen: inout Set<String>?
    ) throws(EventDecodingError) -> Bool {
        if seen != nil { return seen?.insert(key).inserted == false }
        for earlier in 0..<index {
            switch sameKey(entries[earlier].key, entries[index].key) {
            case true?: return true
            case false?: continue
            case nil: if try mapKey(entries[earlier].key) == key { return true }
            }
        }
        return false
    }

    /// Checks `object` as ``value(of:)`` decodes it, without building anything (beyond the key set of a map of
    /// more than ``EventMap/indexThreshold`` entries): throws where decoding throws.
    private static func check(_ object: msgpack_object) throws(EventDecodingError) {
        switch object.type {
        case MSGPACK_OBJECT_NIL, MSGPACK_OBJECT_BOOLEAN, MSGPACK_OBJECT_POSITIVE_INTEGER,
            MSGPACK_OBJECT_NEGATIVE_INTEGER, MSGPACK_OBJECT_FLOAT32, MSGPACK_OBJECT_FLOAT64, MSGPACK_OBJECT_BIN:
            return
        case MSGPACK_OBJECT_STR:
            try checkString(object)
        case MSGPACK_OBJECT_ARRAY:
            let count = Int(object.via.array.size)
            guard count > 0, let elements = object.via.array.ptr else { return }
            for index in 0..<count { try check(elements[index]) }
        case MSGPACK_OBJECT_MAP:
            let count = Int(object.via.map.size)
            guard count > 0, let entries = object.via.map.ptr else { return }
            var seen = count > EventMap.indexThreshold ? Set<String>(minimumCapacity: count) : nil
            for index in 0..<count {
                let key = entries[index].key
                // A string key is checked in place; only a large map's keys are made strings, for `seen`.
                if key.type == MSGPACK_OBJECT_STR && seen == nil {
                    try checkString(key)
                    for earlier in 0..<index where sameKey(entries[earlier].key, key) != false {
                        // Equal bytes, or an integer key beside a string one: compared as decoding compares them.
                        let text = try mapKey(key)
                        if try mapKey(entries[earlier].key) == text { throw EventDecodingError(.duplicateKey(text)) }
                    }
                } else {
                    let text = try mapKey(key)
                    if try isDuplicate(text, at: index, of: entries, seen: &seen) {
                        throw EventDecodingError(.duplicateKey(text))
                    }
                }
                try check(entries[index].val)
            }
        case MSGPACK_OBJECT_EXT:
            _ = try timestamp(object)
        default:
            throw EventDecodingError(.unsupportedFormat("msgpack-c object type \(object.type.rawValue)"))
        }
    }

    /// Checks that a string object holds UTF-8.
    private static func checkString(_ object: msgpack_object) throws(EventDecodingError) {
        let count = Int(object.via.str.size)
        guard count > 0, let pointer = object.via.str.ptr else { return }
        let utf8 = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        guard UTF8Text.isValid(UnsafeBufferPointer(start: utf8, count: count)) else {
            throw EventDecodingError(.invalidUTF8)
        }
    }

    /// Whether two string keys have the same bytes, compared on the wire; `nil` when either is not a string
    /// (integer keys are compared as their decimal text).
    private static func sameKey(_ lhs: msgpack_object, _ rhs: msgpack_object) -> Bool? {
        guard lhs.type == MSGPACK_OBJECT_STR, rhs.type == MSGPACK_OBJECT_STR else { return nil }
        let size = Int(lhs.via.str.size)
        guard size == Int(rhs.via.str.size) else { return false }
        guard size > 0, let left = lhs.via.str.ptr, let right = rhs.via.str.ptr else { return true }
        return memcmp(left, right, size) == 0
    }

    private static func mapKey(_ object: msgpack_object) throws(EventDecodingError) -> String {
        switch object.type {
        case MSGPACK_OBJECT_STR: try string(object.via.str.ptr, count: Int(object.via.str.size))
        case MSGPACK_OBJECT_POSITIVE_INTEGER: String(object.via.u64)
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: String(object.via.i64)
        default: throw EventDecodingError(.nonStringMapKey(type: (try? value(of: object))?.typeName ?? "extension"))
        }
    }

    private static func string(_ pointer: UnsafePointer<CChar>?, count: Int) throws(EventDecodingError) -> String {
        guard count > 0, let pointer else { return "" }
        let utf8 = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        guard let text = UTF8Text.string(UnsafeBufferPointer(start: utf8, count: count)) else {
            throw EventDecodingError(.invalidUTF8)
        }
        return text
    }

    private static func timestamp(_ object: msgpack_object) throws(EventDecodingError) -> EventValue {
        guard object.via.ext.type == -1 else {
            throw EventDecodingError(.unsupportedExtension(type: object.via.ext.type))
        }
        var object = object
        var timestamp = msgpack_timestamp()
        guard msgpack_object_to_timestamp(&object, &timestamp), timestamp.tv_nsec < 1_000_000_000 else {
            throw EventDecodingError(.invalidTimestamp(size: Int(object.via.ext.size)))
        }
        return .timestamp(EventTimestamp(seconds: timestamp.tv_sec, nanoseconds: timestamp.tv_nsec))
    }
}

/// Runs `body` over the bytes of `array` with a typed error.
func withTypedBytes<Result>(
    _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(EventDecodingError) -> Result
) throws(EventDecodingError) -> Result {
    let outcome: Swift.Result<Result, EventDecodingError> = array.withUnsafeBytes { buffer in
        do throws(EventDecodingError) { return .success(try body(buffer)) } catch { return .failure(error) }
    }
    return try outcome.get()
}

/// Appends MessagePack encodings to a byte array.
private struct MessagePackWriter {
    var bytes: [UInt8] = []

    mutating func write(_ value: EventValue) {
        switch value {
        case .null: bytes.append(0xc0)
        case .bool(let flag): bytes.append(flag ? 0xc3 : 0xc2)
        case .int(let number) where number >= 0: writeUnsigned(UInt64(number))
        case .int(let number): writeNegative(number)
        case .uint(let number): writeUnsigned(number)
        case .double(let number):
            bytes.append(0xcb)
            writeBigEndian(number.bitPattern, width: 8)
        case .string(let text): writeString(text)
        case .binary(let data):
            writeHeader(count: data.count, small: nil, formats: (0xc4, 0xc5, 0xc6))
            bytes.append(contentsOf: data)
        case .array(let elements):
            writeHeader(count: elements.count, small: (0x90, 16), formats: (nil, 0xdc, 0xdd))
            for element in elements { write(element) }
        case .map(let entries):
            writeHeader(count: entries.count, small: (0x80, 16), formats: (nil, 0xde, 0xdf))
            for (key, entry) in entries {
                writeString(key)
                write(entry)
            }
        case .timestamp(let time): writeTimestamp(time)
        }
    }

    private mutating func writeUnsigned(_ number: UInt64) {
        switch number {
        case 0..<0x80: bytes.append(UInt8(number))
        case 0..<0x100: bytes.append(contentsOf: [0xcc, UInt8(number)])
        case 0..<0x1_0000:
            bytes.append(0xcd)
            writeBigEndian(number, width: 2)
        case 0..<0x1_0000_0000:
            bytes.append(0xce)
            writeBigEndian(number, width: 4)
        default:
            bytes.append(0xcf)
            writeBigEndian(number, width: 8)
        }
    }

    private mutating func writeNegative(_ number: Int64) {
        let pattern = UInt64(bitPattern: number)
        switch number {
        case -32..<0: bytes.append(UInt8(truncatingIfNeeded: pattern))
        case -0x80..<0:
            bytes.append(0xd0)
            writeBigEndian(pattern, width: 1)
        case -0x8000..<0:
            bytes.append(0xd1)
            writeBigEndian(pattern, width: 2)
        case -0x8000_0000..<0:
            bytes.append(0xd2)
            writeBigEndian(pattern, width: 4)
        default:
            bytes.append(0xd3)
            writeBigEndian(pattern, width: 8)
        }
    }

    private mutating func writeString(_ text: String) {
        let utf8 = text.utf8
        writeHeader(count: utf8.count, small: (0xa0, 32), formats: (0xd9, 0xda, 0xdb))
        bytes.append(contentsOf: utf8)
    }

    /// Writes a length header: the fix form when `count` is below `small.limit`, else the 8-, 16- or 32-bit form.
    private mutating func writeHeader(count: Int, small: (base: UInt8, limit: Int)?, formats: (UInt8?, UInt8, UInt8)) {
        if let small, count < small.limit {
            bytes.append(small.base | UInt8(count))
        } else if let format8 = formats.0, count < 0x100 {
            bytes.append(contentsOf: [format8, UInt8(count)])
        } else if count < 0x1_0000 {
            bytes.append(formats.1)
            writeBigEndian(UInt64(count), width: 2)
        } else {
            bytes.append(formats.2)
            writeBigEndian(UInt64(count), width: 4)
        }
    }

    private mutating func writeTimestamp(_ time: EventTimestamp) {
        if time.nanoseconds == 0, time.seconds >= 0, time.seconds < 1 << 32 {
            bytes.append(contentsOf: [0xd6, 0xff])
            writeBigEndian(UInt64(time.seconds), width: 4)
        } else if time.seconds >= 0, time.seconds < 1 << 34 {
            bytes.append(contentsOf: [0xd7, 0xff])
            writeBigEndian(UInt64(time.nanoseconds) << 34 | UInt64(time.seconds), width: 8)
        } else {
            bytes.append(contentsOf: [0xc7, 12, 0xff])
            writeBigEndian(UInt64(time.nanoseconds), width: 4)
            writeBigEndian(UInt64(bitPattern: time.seconds), width: 8)
        }
    }

    private mutating func writeBigEndian(_ value: UInt64, width: Int) {
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
