import Crypto

/// Lower-case hex digits of SHA-256 over length-prefixed fields: the same in every process and release, and no
/// two different field lists give the same input (each field is preceded by its UTF-8 byte count).
enum StableDigest {
    /// The first `digits` (at most 64) hex digits of the digest of `fields`.
    static func hex(_ fields: [String], digits: Int) -> String {
        var hasher = SHA256()
        for field in fields {
            var count = UInt64(field.utf8.count).bigEndian
            withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
            var field = field
            field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        let hexDigits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in hasher.finalize() {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out.prefix(max(0, digits)), as: UTF8.self)
    }
}
