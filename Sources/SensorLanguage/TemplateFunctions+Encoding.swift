import EventModel
import RegexEngine

extension TemplateFunctions {
    /// sprig's base64, JSON and regular-expression functions. Patterns go through RE2 (``TextPattern`` for
    /// `regexMatch`).
    static let encoding: [String: TemplateFunction] = [
        "b64enc": unary { .string(Base64.encode(Array($0.text.utf8))) },
        "b64dec": { arguments throws(CallError) in
            try arity(arguments, 1)
            guard let bytes = Base64.decode(arguments[0].text) else { throw CallError("illegal base64 data") }
            return .string(String(decoding: bytes, as: UTF8.self))
        },
        "toJson": unary { .string(htmlSafe(JSONText.render($0.eventValue, sortedKeys: true))) },
        "toRawJson": unary { .string(JSONText.render($0.eventValue, sortedKeys: true)) },
        "toPrettyJson": unary { .string(htmlSafe(pretty($0.eventValue, indent: ""))) },
        "fromJson": unary { value in
            guard let decoded = try? JSONCodec.decode(Array(value.text.utf8)) else { return .value(.null) }
            return .value(decoded)
        },
        "regexMatch": { arguments throws(CallError) in
            try arity(arguments, 2)
            // sprig's regexMatch answers false for a pattern that does not compile (mustRegexMatch would fail).
            guard let pattern = try? TextPattern(arguments[0].text) else { return .bool(false) }
            return .bool(pattern.matches(arguments[1].text))
        },
        // sprig's regex functions compile the pattern on each call and panic on a bad one (an execution error here).
        "regexFind": { arguments throws(CallError) in
            try arity(arguments, 2)
            let text = arguments[1].text
            let first = try regex(arguments[0].text).matchRanges(in: text, limit: 1).first
            return .string(first.map { slice(text, $0) } ?? "")
        },
        "regexFindAll": { arguments throws(CallError) in
            try arity(arguments, 3)
            let text = arguments[1].text
            let ranges = try regex(arguments[0].text).matchRanges(in: text, limit: count(arguments[2]))
            return .value(.array(ranges.map { .string(slice(text, $0)) }))
        },
        "regexReplaceAllLiteral": { arguments throws(CallError) in
            try arity(arguments, 3)
            let text = arguments[1].text
            let replacement = Array(arguments[2].text.utf8)
            var bytes = Array(text.utf8)
            for range in try regex(arguments[0].text).matchRanges(in: text).reversed() {
                bytes.replaceSubrange(range, with: replacement)
            }
            return .string(String(decoding: bytes, as: UTF8.self))
        },
        "regexSplit": { arguments throws(CallError) in
            try arity(arguments, 3)
            let pattern = try regex(arguments[0].text)
            return .value(.array(split(arguments[1].text, by: pattern, limit: count(arguments[2]))))
        },
    ]

    /// A pattern compiled for one call; a bad one is the call's error, as sprig's `regexp.MustCompile` panics.
    private static func regex(_ pattern: String) throws(CallError) -> RE2Regex {
        do { return try RE2Regex(pattern) } catch { throw CallError("regexp: \(error.reason)") }
    }

    /// The bytes of `range` (UTF-8 offsets RE2 reported) of `text`.
    private static func slice(_ text: String, _ range: Range<Int>) -> String {
        String(decoding: Array(text.utf8)[range], as: UTF8.self)
    }

    /// The `n` of sprig's `regexFindAll`/`regexSplit` (a number, as sprig's `toInt`): negative means all.
    private static func count(_ value: TemplateValue) -> Int { Int(clamping: integer(value)) }

    /// Go's `regexp.Split(s, n)`: the pieces between the matches; `n` 0 gives none, a negative `n` all of them.
    private static func split(_ text: String, by regex: RE2Regex, limit: Int) -> [EventValue] {
        guard limit != 0 else { return [] }
        if !regex.pattern.isEmpty && text.isEmpty { return [.string("")] }
        let bytes = Array(text.utf8)
        var pieces: [EventValue] = []
        var begin = 0
        var end = 0
        for match in regex.matchRanges(in: text, limit: limit) {
            if limit > 0 && pieces.count == limit - 1 { break }
            end = match.lowerBound
            if match.upperBound != 0 { pieces.append(.string(String(decoding: bytes[begin..<end], as: UTF8.self))) }
            begin = match.upperBound
        }
        if end != bytes.count { pieces.append(.string(String(decoding: bytes[begin...], as: UTF8.self))) }
        return pieces
    }

    /// Go's `json.Marshal` escapes `<`, `>` and `&` (sprig's `toRawJson` does not).
    private static func htmlSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
    }

    /// Go's `json.MarshalIndent(v, "", "  ")`.
    private static func pretty(_ value: EventValue, indent: String) -> String {
        let inner = indent + "  "
        switch value {
        case .array(let elements) where !elements.isEmpty:
            return "[\n" + elements.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .map(let map) where !map.isEmpty:
            let entries = map.keys.sorted().map { key in
                inner + JSONText.quote(key) + ": " + pretty(map[key] ?? .null, indent: inner)
            }
            return "{\n" + entries.joined(separator: ",\n") + "\n\(indent)}"
        default:
            return JSONText.render(value, sortedKeys: true)
        }
    }
}
