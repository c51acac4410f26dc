#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns C copies of strings that must outlive one call (libnats config structs keep `const char *` fields);
/// every copy is freed when the arena is.
final class CStringArena {
    private var pointers: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutableRawPointer] = []

    /// A NUL-terminated copy of `string`, valid while the arena lives.
    func copy(_ string: String) -> UnsafePointer<CChar> {
        let pointer = string.withCString { strdup($0)! }
        pointers.append(pointer)
        return UnsafePointer(pointer)
    }

    /// `copy(_:)`, or NULL for nil.
    func copy(_ string: String?) -> UnsafePointer<CChar>? {
        string.map { copy($0) }
    }

    /// A C array of C strings, valid while the arena lives.
    func copyArray(_ strings: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(strings.count, 1))
        for (index, string) in strings.enumerated() { array[index] = copy(string) }
        arrays.append(UnsafeMutableRawPointer(array))
        return array
    }

    /// A C array of 64-bit integers, valid while the arena lives.
    func copyArray(_ values: [Int64]) -> UnsafeMutablePointer<Int64> {
        let array = UnsafeMutablePointer<Int64>.allocate(capacity: max(values.count, 1))
        for (index, value) in values.enumerated() { array[index] = value }
        arrays.append(UnsafeMutableRawPointer(array))
        return array
    }

    deinit {
        for pointer in pointers { free(pointer) }
        for array in arrays { array.deallocate() }
    }
}
