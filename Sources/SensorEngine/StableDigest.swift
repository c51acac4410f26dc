import Crypto

/// Lower-case hex digits of SHA-256 over length-prefixed fields: the same in every process and release, and no
/// two different field lists give the same input (each field is preceded by its UTF-8 byte count).
struct StableDigest {
    private var hasher = SHA256()

    /// The first `digits` (at most 64) hex digits of the digest of `fields`.
    static func hex(_ fields: [String], digits: Int) -> String {
        var digest = StableDigest()
        for field in fields { digest.add(field) }
        return digest.hex(digits: digits)
    }

    /// Adds the next field.
    mutating func add(_ field: String) {
        var count = UInt64(field.utf8.count).bigEndian
        withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
        var field = field
        field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    /// The first `digits` (at most 64) hex digits of the digest of the fields added.
    func hex(digits: Int) -> String {
        let count = min(max(0, digits), 64)
        return hasher.finalize().withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: count) { out in
                for index in 0..<count {
                    let byte = bytes[index / 2]
                    let nibble = index.isMultiple(of: 2) ? byte >> 4 : byte & 0x0f
                    out[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                }
                return count
            }
        }
    }
}
