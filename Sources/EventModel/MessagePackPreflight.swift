/// A walk over MessagePack headers that enforces ``DecodingLimits`` before msgpack-c allocates anything.
///
/// msgpack-c trusts declared lengths: an array header claiming four billion elements makes it allocate
/// for them. This walk reads only headers, never allocates, and rejects such input in constant time:
/// every element needs at least one byte, so a count larger than the bytes left is a lie. It also
/// rejects reserved bytes, truncation and trailing bytes, so msgpack-c only ever sees well-formed input.
enum MessagePackPreflight {
    /// Checks that `bytes` hold exactly one well-formed value within the limits.
    static func check(_ bytes: UnsafeRawBufferPointer, maxDepth: Int, maxElements: Int) throws(EventDecodingError) {
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: maxDepth + 1) {
            (outer) throws(EventDecodingError) in
            var offset = 0
            var valuesLeft: UInt64 = 1  // in the innermost open container (or the top level)
            var depth = 0
            while true {
                while valuesLeft == 0 {
                    guard depth > 0 else {
                        if offset < bytes.count {
                            throw EventDecodingError(.trailingBytes(count: bytes.count - offset), offset: offset)
                        }
                        return
                    }
                    depth -= 1
                    valuesLeft = outer[depth]
                }
                valuesLeft -= 1
                let start = offset
                func fail(_ needed: UInt64) -> EventDecodingError {
                    EventDecodingError(.truncated(needed: needed, available: bytes.count - offset), offset: start)
                }
                guard offset < bytes.count else { throw fail(1) }
                let format = bytes[offset]
                offset += 1
                /// Reads a big-endian length of `width` bytes.
                func length(_ width: Int) throws(EventDecodingError) -> UInt64 {
                    guard width <= bytes.count - offset else { throw fail(UInt64(width)) }
                    var value: UInt64 = 0
                    for index in offset..<offset + width { value = value << 8 | UInt64(bytes[index]) }
                    offset += width
                    return value
                }
                var payload: UInt64 = 0
                var entries: UInt64 = 0
                var entryWidth: UInt64 = 1
                switch format {
                case 0x00...0x7f, 0xc0, 0xc2, 0xc3, 0xe0...0xff: continue
                case 0x80...0x8f:
                    entries = UInt64(format & 0x0f)
                    entryWidth = 2
                case 0x90...0x9f: entries = UInt64(format & 0x0f)
                case 0xa0...0xbf: payload = UInt64(format & 0x1f)
                case 0xc1: throw EventDecodingError(.reservedFormat(byte: format), offset: start)
                case 0xc4, 0xd9: payload = try length(1)
                case 0xc5, 0xda: payload = try length(2)
                case 0xc6, 0xdb: payload = try length(4)
                case 0xc7: payload = try length(1) + 1
                case 0xc8: payload = try length(2) + 1
                case 0xc9: payload = try length(4) + 1
                case 0xcc, 0xd0: payload = 1
                case 0xcd, 0xd1: payload = 2
                case 0xca, 0xce, 0xd2: payload = 4
                case 0xcb, 0xcf, 0xd3: payload = 8
                case 0xd4...0xd8: payload = (1 << UInt64(format - 0xd4)) + 1
                case 0xdc: entries = try length(2)
                case 0xdd: entries = try length(4)
                case 0xde:
                    entries = try length(2)
                    entryWidth = 2
                case 0xdf:
                    entries = try length(4)
                    entryWidth = 2
                default: preconditionFailure("every byte value is covered above")
                }
                if format >= 0x80 && format <= 0x9f || format >= 0xdc && format <= 0xdf {
                    guard depth < maxDepth else {
                        throw EventDecodingError(.nestingTooDeep(limit: maxDepth), offset: start)
                    }
                    guard entries <= UInt64(maxElements) else {
                        throw EventDecodingError(.tooManyElements(declared: entries, limit: maxElements), offset: start)
                    }
                    guard entries * entryWidth <= UInt64(bytes.count - offset) else { throw fail(entries * entryWidth) }
                    outer[depth] = valuesLeft
                    depth += 1
                    valuesLeft = entries * entryWidth
                } else {
                    guard payload <= UInt64(bytes.count - offset) else { throw fail(payload) }
                    offset += Int(payload)
                }
            }
        }
    }
}
