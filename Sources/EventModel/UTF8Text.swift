/// Strings from untrusted UTF-8 bytes.
enum UTF8Text {
    /// The text of `bytes`, or `nil` if they are not valid UTF-8.
    ///
    /// ASCII, the common case in events, takes the standard library's fast paths; only other text goes through
    /// `String(validating:as:)`, which is generic and several times slower.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var combined: UInt8 = 0
        for byte in bytes { combined |= byte }
        if combined < 0x80 {
            // Copying into uninitialised capacity builds a small (≤ 15 byte) ASCII string without validating
            // it again, and a large one in a single pass.
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(bytes))
                return bytes.count
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Whether `bytes` are valid UTF-8, without building a string for ASCII text.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var combined: UInt8 = 0
        for byte in bytes { combined |= byte }
        return combined < 0x80 || String(validating: bytes, as: UTF8.self) != nil
    }
}
