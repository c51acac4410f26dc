import EventModel

extension TemplateFunctions {
    /// sprig's base64, JSON and regular-expression functions. Patterns go through ``TextPattern``.
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
    ]

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
