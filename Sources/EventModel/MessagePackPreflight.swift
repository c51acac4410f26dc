/// A walk over MessagePack headers that enforces ``DecodingLimits`` before msgpack-c allocates anything.
///
/// msgpack-c trusts declared lengths: an array header claiming four billion elements makes it allocate
/// for them. This walk reads only headers, never allocates, and rejects such input in constant time:
/// every element needs at least one byte, so a count larger than the bytes left is a lie. It also
/// rejects reserved bytes, truncation and trailing bytes, so msgpack-c only ever sees well-formed input.
struct MessagePackPreflight {
    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private let maxElements: Int
    private var offset = 0

    /// Checks that `bytes` hold exactly one well-formed value within `limits`.
    static func check(_ bytes: UnsafeRawBufferPointer, maxDepth: Int, maxElements: Int) throws(EventDecodingError) {
        var walk = MessagePackPreflight(bytes: bytes, maxDepth: maxDepth, maxElements: maxElements)
        try walk.skipValue(depth: 0)
        if walk.offset < bytes.count {
            throw EventDecodingError(.trailingBytes(count: bytes.count - walk.offset), offset: walk.offset)
        }
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int, maxElements: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    private var remaining: Int { bytes.count - offset }

    private mutating func skipValue(depth: Int) throws(EventDecodingError) {
        guard remaining > 0 else { throw EventDecodingError(.truncated(needed: 1, available: 0), offset: offset) }
        let start = offset
        let format = bytes[offset]
        offset += 1
        switch format {
        case 0x00...0x7f, 0xc0, 0xc2, 0xc3, 0xe0...0xff:
            return
        case 0x80...0x8f:
            try skipContainer(count: UInt64(format & 0x0f), entryWidth: 2, depth: depth, start: start)
        case 0x90...0x9f:
            try skipContainer(count: UInt64(format & 0x0f), entryWidth: 1, depth: depth, start: start)
        case 0xa0...0xbf:
            try skipBytes(UInt64(format & 0x1f), start: start)
        case 0xc1:
            throw EventDecodingError(.reservedFormat(byte: format), offset: start)
        case 0xc4, 0xd9: try skipBytes(readLength(width: 1, start: start), start: start)
        case 0xc5, 0xda: try skipBytes(readLength(width: 2, start: start), start: start)
        case 0xc6, 0xdb: try skipBytes(readLength(width: 4, start: start), start: start)
        case 0xc7: try skipBytes(readLength(width: 1, start: start) + 1, start: start)
        case 0xc8: try skipBytes(readLength(width: 2, start: start) + 1, start: start)
        case 0xc9: try skipBytes(readLength(width: 4, start: start) + 1, start: start)
        case 0xca, 0xd2: try skipBytes(4, start: start)
        case 0xcb, 0xcf, 0xd3: try skipBytes(8, start: start)
        case 0xcc, 0xd0: try skipBytes(1, start: start)
        case 0xcd, 0xd1: try skipBytes(2, start: start)
        case 0xce: try skipBytes(4, start: start)
        case 0xd4...0xd8: try skipBytes((1 << UInt64(format - 0xd4)) + 1, start: start)
        case 0xdc: try skipContainer(count: readLength(width: 2, start: start), entryWidth: 1, depth: depth, start: start)
        case 0xdd: try skipContainer(count: readLength(width: 4, start: start), entryWidth: 1, depth: depth, start: start)
        case 0xde: try skipContainer(count: readLength(width: 2, start: start), entryWidth: 2, depth: depth, start: start)
        case 0xdf: try skipContainer(count: readLength(width: 4, start: start), entryWidth: 2, depth: depth, start: start)
        default:
            preconditionFailure("every byte value is covered above")
        }
    }

    private mutating func skipContainer(count: UInt64, entryWidth: UInt64, depth: Int, start: Int) throws(EventDecodingError) {
        guard depth < maxDepth else { throw EventDecodingError(.nestingTooDeep(limit: maxDepth), offset: start) }
        guard count <= UInt64(maxElements) else {
            throw EventDecodingError(.tooManyElements(declared: count, limit: maxElements), offset: start)
        }
        guard count * entryWidth <= UInt64(remaining) else {
            throw EventDecodingError(.truncated(needed: count * entryWidth, available: remaining), offset: start)
        }
        for _ in 0..<(count * entryWidth) {
            try skipValue(depth: depth + 1)
        }
    }

    private mutating func skipBytes(_ count: UInt64, start: Int) throws(EventDecodingError) {
        guard count <= UInt64(remaining) else {
            throw EventDecodingError(.truncated(needed: count, available: remaining), offset: start)
        }
        offset += Int(count)
    }

    private mutating func readLength(width: Int, start: Int) throws(EventDecodingError) -> UInt64 {
        guard width <= remaining else {
            throw EventDecodingError(.truncated(needed: UInt64(width), available: remaining), offset: start)
        }
        var value: UInt64 = 0
        for index in 0..<width {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        offset += width
        return value
    }
}
