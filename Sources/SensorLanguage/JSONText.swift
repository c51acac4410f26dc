import ConfigReader
package import EventModel

/// Compact JSON text of event values, keys in the map's order: what gjson's `Result.String()` gives for objects and
/// arrays, what `useRawData` embeds, and what `toJson` prints.
///
/// Timestamps print as RFC 3339 strings and binary as base64 strings, as Go's `encoding/json` does for
/// `time.Time` and `[]byte`.
package enum JSONText {
    /// - Parameter sortedKeys: sort object keys, as Go's `json.Marshal` of a map does (sprig's `toJson`).
    package static func render(_ value: EventValue, sortedKeys: Bool = false) -> String {
        var out = ""
        write(value, sortedKeys: sortedKeys, into: &out)
        return out
    }

    package static func write(_ value: EventValue, sortedKeys: Bool, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .uint(let number): out += String(number)
        case .double(let number): out += number.isFinite ? self.number(number) : "null"
        case .string(let text): quote(text, into: &out)
        case .binary(let bytes): quote(Base64.encode(bytes), into: &out)
        case .timestamp(let time): quote(time.rfc3339, into: &out)
        case .array(let elements):
            out += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { out += "," }
                write(element, sortedKeys: sortedKeys, into: &out)
            }
            out += "]"
        case .map(let map):
            out += "{"
            let entries = sortedKeys ? map.sorted { $0.key < $1.key } : Array(map)
            for (position, entry) in entries.enumerated() {
                if position > 0 { out += "," }
                quote(entry.key, into: &out)
                out += ":"
                write(entry.value, sortedKeys: sortedKeys, into: &out)
            }
            out += "}"
        }
    }

    package static func quote(_ text: String) -> String {
        var out = ""
        quote(text, into: &out)
        return out
    }

    package static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// A double as Go's `strconv.FormatFloat(f, 'f', -1, 64)` prints it: no exponent, shortest digits.
    package static func number(_ number: Double) -> String {
        guard number.isFinite else { return number.isNaN ? "NaN" : (number < 0 ? "-Inf" : "+Inf") }
        if number == number.rounded(), abs(number) < 1e18 {
            return String(Int64(number))
        }
        let text = "\(number)"
        guard let exponentIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }),
            let exponent = Int(text[text.index(after: exponentIndex)...])
        else { return text }
        // Expand the exponent form Swift prints into plain decimal digits.
        var mantissa = String(text[..<exponentIndex])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0])
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerPart + fractionPart
        var pointPosition = integerPart.count + exponent
        while pointPosition <= 0 {
            digits = "0" + digits
            pointPosition += 1
        }
        while digits.count < pointPosition { digits += "0" }
        var integerDigits = String(digits.prefix(pointPosition))
        var fractionDigits = String(digits.dropFirst(pointPosition))
        while fractionDigits.hasSuffix("0") { fractionDigits.removeLast() }
        while integerDigits.count > 1 && integerDigits.hasPrefix("0") { integerDigits.removeFirst() }
        let body = fractionDigits.isEmpty ? integerDigits : integerDigits + "." + fractionDigits
        return negative ? "-" + body : body
    }
}

extension EventValue {
    /// gjson's `Result.String()`: strings as they are, numbers in shortest form, `true`/`false`, `""` for
    /// null, and compact JSON for objects and arrays.
    package var gjsonString: String {
        switch self {
        case .null: ""
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .uint(let number): String(number)
        case .double(let number): JSONText.number(number)
        case .string(let text): text
        case .binary(let bytes): Base64.encode(bytes)
        case .timestamp(let time): time.rfc3339
        case .array, .map: JSONText.render(self)
        }
    }

    /// The number, when this is one.
    var numericValue: Double? {
        switch self {
        case .int(let number): Double(number)
        case .uint(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// gjson's `Result.Float()`: numbers as they are, strings parsed (0 when not a number), `true` is 1.
    package var gjsonFloat: Double {
        switch self {
        case .int, .uint, .double: numericValue ?? 0
        case .string(let text): Double(text.trimmingSpaces) ?? 0
        case .bool(let flag): flag ? 1 : 0
        default: 0
        }
    }

    /// gjson's `Result.Bool()`: `true`, a string that Go's `ParseBool` reads as true, or a non-zero number.
    package var gjsonBool: Bool {
        switch self {
        case .bool(let flag): flag
        case .string(let text): GoBool.parse(text) ?? false
        case .int, .uint, .double: (numericValue ?? 0) != 0
        default: false
        }
    }
}

extension Int {
    /// The integer part of `value`, or `nil` when it is not finite or does not fit (where `Int(_:)` would trap).
    package init?(truncating value: Double) {
        guard value.isFinite, value > -9.2e18, value < 9.2e18 else { return nil }
        self.init(value)
    }
}

extension String {
    package var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
