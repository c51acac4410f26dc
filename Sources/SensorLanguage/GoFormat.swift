import EventModel
import Foundation

/// Go's `fmt` for templates: `Sprintf` with the verbs `%s %v %d %f %e %g %q %t %x %X %%` (flags `-+ 0`, width and
/// precision), and `Sprint`.
enum GoFormat {
    struct Spec {
        var flags: Set<Character> = []
        var width: Int?
        var precision: Int?
        var verb: Character = "v"
    }

    static func format(_ format: String, _ arguments: [TemplateValue]) -> String {
        var out = ""
        var remaining = arguments[...]
        var characters = Array(format)[...]
        while let character = characters.popFirst() {
            guard character == "%" else {
                out.append(character)
                continue
            }
            var spec = Spec()
            while let flag = characters.first, "-+ 0#".contains(flag) { spec.flags.insert(characters.removeFirst()) }
            spec.width = digits(&characters)
            if characters.first == "." {
                characters.removeFirst()
                spec.precision = digits(&characters) ?? 0
            }
            guard let verb = characters.popFirst() else {
                out += "%!(NOVERB)"
                break
            }
            spec.verb = verb
            if verb == "%" {
                out += "%"
                continue
            }
            guard let argument = remaining.popFirst() else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            out += pad(render(argument, spec), spec)
        }
        if !remaining.isEmpty {
            out += "%!(EXTRA " + remaining.map { "\(goType($0))=\($0.printed)" }.joined(separator: ", ") + ")"
        }
        return out
    }

    private static func digits(_ characters: inout ArraySlice<Character>) -> Int? {
        var number: Int?
        while let digit = characters.first?.wholeNumberValue, (number ?? 0) < 10_000 {
            number = (number ?? 0) * 10 + digit
            characters.removeFirst()
        }
        return number
    }

    private static func pad(_ text: String, _ spec: Spec) -> String {
        guard let width = spec.width, text.count < width else { return text }
        let fill = String(
            repeating: spec.flags.contains("0") && !spec.flags.contains("-") ? "0" : " ", count: width - text.count)
        if spec.flags.contains("-") { return text + fill }
        if fill.hasPrefix("0"), let sign = text.first, sign == "-" || sign == "+" {
            return String(sign) + fill + text.dropFirst()
        }
        return fill + text
    }

    /// Go's type name of a value in `%!d(float64=1.5)`.
    static func goType(_ value: TemplateValue) -> String {
        switch value.eventValue {
        case .null: "<nil>"
        case .bool: "bool"
        case .int: "int64"
        case .uint: "uint64"
        case .double: "float64"
        case .string, .timestamp: "string"
        case .binary: "[]uint8"
        case .array: "[]interface {}"
        case .map: "map[string]interface {}"
        }
    }

    private static func render(_ argument: TemplateValue, _ spec: Spec) -> String {
        let value = argument.eventValue
        let wrong = "%!\(spec.verb)(\(goType(argument))=\(argument.printed))"
        switch spec.verb {
        case "v": return argument.isNil ? "<nil>" : argument.printed
        case "s":
            switch value {
            case .null: return "%!s(<nil>)"
            case .bool, .int, .uint, .double: return wrong
            default: return precise(argument.printed, spec)
            }
        case "q":
            guard case .string(let text) = value else { return wrong }
            return JSONText.quote(text)
        case "t":
            guard case .bool(let flag) = value else { return wrong }
            return flag ? "true" : "false"
        case "d":
            switch value {
            case .int(let number): return signed(String(number), spec)
            case .uint(let number): return signed(String(number), spec)
            default: return wrong
            }
        case "x", "X":
            let text: String
            switch value {
            case .int(let number): text = (number < 0 ? "-" : "") + String(number.magnitude, radix: 16)
            case .uint(let number): text = String(number, radix: 16)
            case .string(let string): text = string.utf8.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            default: return wrong
            }
            return spec.verb == "X" ? text.uppercased() : text
        case "f", "F", "e", "g":
            guard let number = value.numericValue, case .double = value else { return wrong }
            return signed(floating(number, spec), spec)
        default:
            return "%!\(spec.verb)(\(goType(argument))=\(argument.printed))"
        }
    }

    private static func precise(_ text: String, _ spec: Spec) -> String {
        guard let precision = spec.precision else { return text }
        return String(text.prefix(precision))
    }

    private static func signed(_ text: String, _ spec: Spec) -> String {
        if spec.flags.contains("+"), !text.hasPrefix("-") { return "+" + text }
        if spec.flags.contains(" "), !text.hasPrefix("-") { return " " + text }
        return text
    }

    /// `%f` (precision 6 by default), `%e`, `%g` (shortest, as `%v`).
    private static func floating(_ number: Double, _ spec: Spec) -> String {
        guard number.isFinite else { return TemplateValue.goFloat(number) }
        switch spec.verb {
        case "g": return TemplateValue.goFloat(number)
        case "e":
            var exponent = number == 0 ? 0 : Int(log10(abs(number)).rounded(.down))
            var mantissa = number / pow(10, Double(exponent))
            if abs(mantissa) >= 10 {
                mantissa /= 10
                exponent += 1
            }
            let digits = fixed(mantissa, spec.precision ?? 6)
            return digits + "e" + (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
        default: return fixed(number, spec.precision ?? 6)
        }
    }

    /// A number with exactly `places` digits after the point, rounded half to even on the decimal digits.
    private static func fixed(_ number: Double, _ places: Int) -> String {
        let scale = pow(10, Double(min(places, 17)))
        let scaled = (abs(number) * scale).rounded(.toNearestOrEven)
        guard scaled < 9e18 else { return JSONText.number(number) }
        var digits = String(UInt64(scaled))
        if places > 0 {
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return (number < 0 && scaled != 0 ? "-" : "") + digits
    }

    /// Go's `fmt.Sprint`: a space between operands when neither is a string.
    static func sprint(_ arguments: [TemplateValue]) -> String {
        var out = ""
        for (position, argument) in arguments.enumerated() {
            let isString = { (value: TemplateValue) in if case .value(.string) = value { true } else { false } }
            if position > 0, !isString(argument), !isString(arguments[position - 1]) { out += " " }
            out += argument.isNil ? "<nil>" : argument.printed
        }
        return out
    }
}

/// Go's `template.HTMLEscapeString`, `JSEscapeString` and `url.QueryEscape`.
enum GoEscape {
    static func html(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func js(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func query(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default: out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
