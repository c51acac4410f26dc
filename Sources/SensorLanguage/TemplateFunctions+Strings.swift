import EventModel

extension TemplateFunctions {
    /// sprig's string functions; the string argument comes last, so it can be piped.
    static let strings: [String: TemplateFunction] = [
        "upper": unary { .string($0.text.uppercased()) },
        "lower": unary { .string($0.text.lowercased()) },
        "title": unary { .string(title($0.text)) },
        "trim": unary { .string($0.text.trimmingSpaces) },
        "nospace": unary { .string(String($0.text.unicodeScalars.filter { !$0.properties.isWhitespace })) },
        "toString": unary { .string($0.text) },
        "trimAll": binary { cut, text in .string(trim(text.text, Set(cut.text.unicodeScalars))) },
        "trimPrefix": binary { prefix, text in
            let bytes = Array(text.text.utf8)
            let cut = Array(prefix.text.utf8)
            return .string(
                bytes.starts(with: cut) ? String(decoding: bytes.dropFirst(cut.count), as: UTF8.self) : text.text)
        },
        "trimSuffix": binary { suffix, text in
            let bytes = Array(text.text.utf8)
            let cut = Array(suffix.text.utf8)
            let matches = bytes.reversed().starts(with: cut.reversed())
            return .string(matches ? String(decoding: bytes.dropLast(cut.count), as: UTF8.self) : text.text)
        },
        "contains": binary { part, text in .bool(part.text.isEmpty || text.text[...].range(of: part.text) != nil) },
        "hasPrefix": binary { prefix, text in .bool(text.text.utf8.starts(with: prefix.text.utf8)) },
        "hasSuffix": binary { suffix, text in
            .bool(text.text.utf8.reversed().starts(with: suffix.text.utf8.reversed()))
        },
        "replace": { arguments throws(CallError) in
            try arity(arguments, 3)
            return .string(arguments[2].text.replacingOccurrences(of: arguments[0].text, with: arguments[1].text))
        },
        "repeat": { arguments throws(CallError) in
            try arity(arguments, 2)
            let times = try count(arguments[0], limit: 10_000)
            guard times >= 0 else { throw CallError("negative repeat count") }
            return .string(String(repeating: arguments[1].text, count: times))
        },
        "substr": { arguments throws(CallError) in
            try arity(arguments, 3)
            let text = Array(arguments[2].text)
            let start = max(0, Int(truncating: float(arguments[0])) ?? 0)
            var end = Int(truncating: float(arguments[1])) ?? -1
            if end < 0 || end > text.count { end = text.count }
            return .string(start < end ? String(text[start..<end]) : "")
        },
        "trunc": { arguments throws(CallError) in
            try arity(arguments, 2)
            let text = Array(arguments[1].text)
            let length = try count(arguments[0], limit: Int.max / 2)
            return .string(String(length >= 0 ? text.prefix(length) : text.suffix(-length)))
        },
        "abbrev": { arguments throws(CallError) in
            try arity(arguments, 2)
            let width = try count(arguments[0], limit: Int.max / 2)
            let text = arguments[1].text
            guard width >= 4, text.count > width else { return .string(text) }
            return .string(String(text.prefix(width - 3)) + "...")
        },
        "indent": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .string(try indent(arguments[0], arguments[1].text))
        },
        "nindent": { arguments throws(CallError) in
            try arity(arguments, 2)
            return .string("\n" + (try indent(arguments[0], arguments[1].text)))
        },
        "quote": { arguments throws(CallError) in
            .string(arguments.filter { !$0.isNil }.map { JSONText.quote($0.text) }.joined(separator: " "))
        },
        "squote": { arguments throws(CallError) in
            .string(arguments.filter { !$0.isNil }.map { "'" + $0.text + "'" }.joined(separator: " "))
        },
        "cat": { arguments throws(CallError) in
            .string(arguments.filter { !$0.isNil }.map(\.text).joined(separator: " "))
        },
        "split": binary { separator, text in
            let parts = split(text.text, by: separator.text)
            return dict(
                Dictionary(uniqueKeysWithValues: parts.enumerated().map { ("_\($0.offset)", .string($0.element)) }))
        },
        "splitList": binary { separator, text in .list(split(text.text, by: separator.text).map(EventValue.string)) },
        "join": binary { separator, list in
            let elements = list.elements ?? (list.isNil ? [] : [list.eventValue])
            return .string(
                elements.filter { $0 != .null }.map(TemplateValue.goString).joined(separator: separator.text))
        },
    ]

    static func unary(_ body: @escaping @Sendable (TemplateValue) -> TemplateValue) -> TemplateFunction {
        { arguments throws(CallError) in
            try arity(arguments, 1)
            return body(arguments[0])
        }
    }

    static func binary(_ body: @escaping @Sendable (TemplateValue, TemplateValue) -> TemplateValue) -> TemplateFunction
    {
        { arguments throws(CallError) in
            try arity(arguments, 2)
            return body(arguments[0], arguments[1])
        }
    }

    /// Go's `strings.Title`: a letter after a separator (anything but a letter, digit, `_` or `'`) is upper-cased.
    private static func title(_ text: String) -> String {
        var out = ""
        var previous: Unicode.Scalar = " "
        for scalar in text.unicodeScalars {
            let separator =
                !(previous.properties.isAlphabetic || ("0"..."9").contains(previous) || previous == "_"
                || previous == "'")
            if separator { out += String(scalar).uppercased() } else { out.unicodeScalars.append(scalar) }
            previous = scalar
        }
        return out
    }

    private static func trim(_ text: String, _ cut: Set<Unicode.Scalar>) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, cut.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, cut.contains(last) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    private static func indent(_ spaces: TemplateValue, _ text: String) throws(CallError) -> String {
        let pad = String(repeating: " ", count: max(0, try count(spaces, limit: 10_000)))
        return pad + text.replacingOccurrences(of: "\n", with: "\n" + pad)
    }

    /// Go's `strings.Split`: an empty separator splits into characters.
    private static func split(_ text: String, by separator: String) -> [String] {
        guard !separator.isEmpty else { return text.unicodeScalars.map { String($0) } }
        var parts: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
