import EventModel

enum TemplateFunctions {
    static func call(_ name: String, _ arguments: [TemplateValue]) throws(TemplateError) -> TemplateValue {
        func fail(_ reason: String) -> TemplateError {
            TemplateError(template: name, reason: reason)
        }
        func need(_ count: Int) throws(TemplateError) {
            guard arguments.count == count else {
                throw fail("\(name) takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.count)")
            }
        }
        func string(_ text: String) -> TemplateValue { .value(.string(text)) }
        switch name {
        case "upper":
            try need(1)
            return string(arguments[0].text.uppercased())
        case "lower":
            try need(1)
            return string(arguments[0].text.lowercased())
        case "title":
            try need(1)
            var out = ""
            var atWordStart = true
            for character in arguments[0].text {
                if character.isWhitespace || character == "-" || character == "_" {
                    atWordStart = true
                    out.append(character)
                } else if atWordStart {
                    out += character.uppercased()
                    atWordStart = false
                } else {
                    out.append(character)
                }
            }
            return string(out)
        case "trim":
            try need(1)
            return string(arguments[0].text.trimmingSpaces)
        case "trimPrefix":
            try need(2)
            let prefix = arguments[0].text
            let text = arguments[1].text
            return string(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        case "trimSuffix":
            try need(2)
            let suffix = arguments[0].text
            let text = arguments[1].text
            return string(text.hasSuffix(suffix) ? String(text.dropLast(suffix.count)) : text)
        case "trimAll":
            try need(2)
            let cut = Set(arguments[0].text)
            var text = Substring(arguments[1].text)
            while let first = text.first, cut.contains(first) { text.removeFirst() }
            while let last = text.last, cut.contains(last) { text.removeLast() }
            return string(String(text))
        case "nospace":
            try need(1)
            return string(String(arguments[0].text.filter { !$0.isWhitespace }))
        case "replace":
            try need(3)
            return string(arguments[2].text.replacingOccurrences(of: arguments[0].text, with: arguments[1].text))
        case "default":
            try need(2)
            return arguments[1].isEmpty ? arguments[0] : arguments[1]
        case "quote":
            guard !arguments.isEmpty else { throw fail("quote takes at least 1 argument") }
            return string(arguments.map { JSONText.quote($0.text) }.joined(separator: " "))
        case "squote":
            guard !arguments.isEmpty else { throw fail("squote takes at least 1 argument") }
            return string(arguments.map { "'" + $0.text + "'" }.joined(separator: " "))
        case "toJson":
            try need(1)
            return string(JSONText.render(arguments[0].eventValue, sortedKeys: true))
        case "toString":
            try need(1)
            return string(arguments[0].text)
        case "b64enc":
            try need(1)
            return string(Base64.encode(Array(arguments[0].text.utf8)))
        case "b64dec":
            try need(1)
            guard let bytes = Base64.decode(arguments[0].text) else {
                throw fail("b64dec: illegal base64 data")
            }
            return string(String(decoding: bytes, as: UTF8.self))
        case "contains":
            try need(2)
            return .value(.bool(arguments[1].text.contains(arguments[0].text)))
        case "hasPrefix":
            try need(2)
            return .value(.bool(arguments[1].text.hasPrefix(arguments[0].text)))
        case "hasSuffix":
            try need(2)
            return .value(.bool(arguments[1].text.hasSuffix(arguments[0].text)))
        case "len":
            try need(1)
            switch arguments[0] {
            case .value(.array(let elements)): return .value(.int(Int64(elements.count)))
            case .value(.map(let map)): return .value(.int(Int64(map.count)))
            case .value(.string(let text)): return .value(.int(Int64(text.utf8.count)))
            default: throw fail("len of a \(arguments[0].typeName)")
            }
        case "empty":
            try need(1)
            return .value(.bool(arguments[0].isEmpty))
        case "cat":
            return string(arguments.filter { !$0.isNil }.map(\.text).joined(separator: " "))
        case "substr":
            try need(3)
            let text = Array(arguments[2].text)
            let start = max(0, Int(truncating: arguments[0].eventValue.gjsonFloat) ?? 0)
            var end = Int(truncating: arguments[1].eventValue.gjsonFloat) ?? -1
            if end < 0 || end > text.count { end = text.count }
            return string(start < end ? String(text[start..<end]) : "")
        case "trunc":
            try need(2)
            let text = Array(arguments[1].text)
            guard let count = Int(truncating: arguments[0].eventValue.gjsonFloat) else {
                throw fail("trunc count out of range")
            }
            if count >= 0 { return string(String(text.prefix(count))) }
            return string(String(text.suffix(-count)))
        case "index":
            guard var current = arguments.first else { throw fail("index takes a value and keys") }
            for key in arguments.dropFirst() {
                switch (current, key) {
                case (.value(.map(let map)), _):
                    current = map[key.text].map(TemplateValue.value) ?? .missing
                case (.map(let map), _):
                    current = map[key.text] ?? .missing
                case (.value(.array(let elements)), .value(let position)):
                    guard let index = Int(truncating: position.gjsonFloat), index >= 0, index < elements.count else {
                        throw fail("index \(position.gjsonString) out of range")
                    }
                    current = .value(elements[index])
                default:
                    throw fail("can't index a \(current.typeName)")
                }
            }
            return current
        case "printf":
            guard let format = arguments.first else { throw fail("printf takes a format") }
            return string(try GoFormat.format(format.text, Array(arguments.dropFirst())))
        case "repeat":
            try need(2)
            guard let count = Int(truncating: arguments[0].eventValue.gjsonFloat), count >= 0, count <= 10_000 else {
                throw fail("repeat count out of range")
            }
            return string(String(repeating: arguments[1].text, count: count))
        default:
            throw fail("function \"\(name)\" not defined")
        }
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%s`, `%v`, `%d`, `%q`, `%%`.
enum GoFormat {
    static func format(_ format: String, _ arguments: [TemplateValue]) throws(TemplateError) -> String {
        var out = ""
        var remaining = arguments[...]
        var characters = format.makeIterator()
        while let character = characters.next() {
            guard character == "%" else {
                out.append(character)
                continue
            }
            guard let verb = characters.next() else {
                out += "%!(NOVERB)"
                break
            }
            if verb == "%" {
                out += "%"
                continue
            }
            guard let argument = remaining.popFirst() else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            switch verb {
            case "s", "v": out += argument.printed == "<no value>" ? "%!\(verb)(<nil>)" : argument.printed
            case "d":
                if case .value(let value) = argument, let number = value.numericValue, number == number.rounded(),
                    let integer = Int(truncating: number)
                {
                    out += String(integer)
                } else {
                    out += "%!d(\(argument.printed))"
                }
            case "q": out += JSONText.quote(argument.text)
            default:
                throw TemplateError(
                    template: format, reason: "printf verb '%\(verb)' is not supported (use %s %v %d %q)")
            }
        }
        if !remaining.isEmpty {
            out += "%!(EXTRA " + remaining.map(\.printed).joined(separator: ", ") + ")"
        }
        return out
    }
}
