/// The YAML 1.1 type of an untagged plain scalar, by the rules of Yams' default resolver (bool, int, float and null;
/// merge keys, timestamps and `=` stay strings here), matched over the UTF-8 bytes.
///
/// Yams' resolver matches each rule with `NSRegularExpression`, which compiles its patterns through ICU on the
/// first document and runs a regular expression per rule and scalar; these hand-written matchers answer the same
/// without either.
enum PlainScalar {
    /// The type `text` resolves to.
    static func type(of text: String) -> YAMLTree.ScalarType {
        var text = text
        return text.withUTF8 { bytes in
            if isBool(bytes) { return .bool }
            if isInt(bytes) { return .int }
            if isFloat(bytes) { return .float }
            if isNull(bytes) { return .null }
            return .string
        }
    }

    private static let bools: Set<[UInt8]> = Set(
        [
            "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
            "ON", "off", "Off", "OFF",
        ].map { Array($0.utf8) })
    private static let nulls: Set<[UInt8]> = Set(["~", "null", "Null", "NULL", ""].map { Array($0.utf8) })

    private static func isBool(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count <= 5 && bools.contains(Array(bytes))
    }

    private static func isNull(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count <= 4 && nulls.contains(Array(bytes))
    }

    /// `[-+]?0b[0-1_]+`, `[-+]?0o?[0-7_]+`, `[-+]?(0|[1-9][0-9_]*)`, `[-+]?0x[0-9a-fA-F_]+` or
    /// `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`.
    private static func isInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scanner = Scanner(bytes)
        scanner.skipSign()
        let start = scanner.index
        if scanner.take("0") {
            if scanner.atEnd { return true }
            let afterZero = scanner.index
            if scanner.take("b") { return scanner.takeAll(binaryOrUnderscore) > 0 && scanner.atEnd }
            if scanner.take("x") { return scanner.takeAll(hexOrUnderscore) > 0 && scanner.atEnd }
            scanner.index = afterZero
            _ = scanner.take("o")
            return scanner.takeAll(octalOrUnderscore) > 0 && scanner.atEnd
        }
        scanner.index = start
        guard scanner.take(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) else { return false }
        _ = scanner.takeAll(digitOrUnderscore)
        if scanner.atEnd { return true }
        return scanner.takeSexagesimalGroups() && scanner.atEnd
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?`, `\.[0-9_]+([eE][-+][0-9]+)?`,
    /// `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`, `[-+]?\.(inf|Inf|INF)` or `\.(nan|NaN|NAN)`.
    private static func isFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scanner = Scanner(bytes)
        if scanner.take(".") {
            let rest = Array(bytes[scanner.index...])
            if ["nan", "NaN", "NAN", "inf", "Inf", "INF"].contains(where: { Array($0.utf8) == rest }) { return true }
            guard scanner.takeAll(digitOrUnderscore) > 0 else { return false }
            if scanner.atEnd { return true }
            guard scanner.take("e") || scanner.take("E") else { return false }
            guard scanner.take("-") || scanner.take("+") else { return false }
            return scanner.takeAll(digit) > 0 && scanner.atEnd
        }
        scanner.skipSign()
        if scanner.take(".") {
            let rest = Array(bytes[scanner.index...])
            return ["inf", "Inf", "INF"].contains { Array($0.utf8) == rest }
        }
        guard scanner.take(where: digit) else { return false }
        _ = scanner.takeAll(digitOrUnderscore)
        let afterInteger = scanner.index
        if scanner.takeSexagesimalGroups(), scanner.take(".") {
            _ = scanner.takeAll(digitOrUnderscore)
            if scanner.atEnd { return true }
        }
        scanner.index = afterInteger
        if scanner.take(".") { _ = scanner.takeAll(digitOrUnderscore) }
        if scanner.take("e") || scanner.take("E") {
            if !scanner.take("-") { _ = scanner.take("+") }
            guard scanner.takeAll(digit) > 0 else { return false }
        }
        return scanner.atEnd
    }

    private static func digit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func digitOrUnderscore(_ byte: UInt8) -> Bool { digit(byte) || byte == UInt8(ascii: "_") }
    private static func binaryOrUnderscore(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") || byte == UInt8(ascii: "_")
    }
    private static func octalOrUnderscore(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) || byte == UInt8(ascii: "_")
    }
    private static func hexOrUnderscore(_ byte: UInt8) -> Bool {
        digitOrUnderscore(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// A cursor over the bytes of a scalar.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var atEnd: Bool { index == bytes.count }

        mutating func take(where matches: (UInt8) -> Bool) -> Bool {
            guard index < bytes.count, matches(bytes[index]) else { return false }
            index += 1
            return true
        }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            take { $0 == UInt8(ascii: character) }
        }

        /// Takes the bytes that match, returning how many.
        mutating func takeAll(_ matches: (UInt8) -> Bool) -> Int {
            let start = index
            while take(where: matches) {}
            return index - start
        }

        mutating func skipSign() {
            if !take("-") { _ = take("+") }
        }

        /// `(:[0-5]?[0-9])+`: at least one group.
        mutating func takeSexagesimalGroups() -> Bool {
            var groups = 0
            while take(":") {
                guard take(where: PlainScalar.digit) else { return false }
                // A second digit only after 0–5: `:60` is the group `:6` followed by `0`.
                let first = bytes[index - 1]
                if first <= UInt8(ascii: "5") { _ = take(where: PlainScalar.digit) }
                groups += 1
            }
            return groups > 0
        }
    }
}
