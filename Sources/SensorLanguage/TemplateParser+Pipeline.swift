import EventModel

extension TemplateParser {
    /// Cuts an action's interior into items.
    func lex(_ interior: Range<Int>) throws(TemplateError) -> [Item] {
        var items: [Item] = []
        var index = interior.lowerBound
        var spaced = true
        func word(from start: Int) -> (String, Int) {
            var end = start
            var text = String.UnicodeScalarView()
            while end < interior.upperBound, Self.isWordScalar(scalars[end]) {
                text.append(scalars[end])
                end += 1
            }
            return (String(text), end)
        }
        func chain(from start: Int) throws(TemplateError) -> ([String], Int) {
            var names: [String] = []
            var end = start
            while end < interior.upperBound, scalars[end] == "." {
                let (name, after) = word(from: end + 1)
                if name.isEmpty {
                    guard names.isEmpty, after == end + 1 else { throw fail("bad field name", at: end) }
                    return ([], after)
                }
                names.append(name)
                end = after
            }
            return (names, end)
        }
        while index < interior.upperBound {
            let scalar = scalars[index]
            let start = index
            var kind: Item.Kind
            switch scalar {
            case " ", "\t", "\r", "\n":
                index += 1
                spaced = true
                continue
            case "(": (kind, index) = (.open, index + 1)
            case ")": (kind, index) = (.close, index + 1)
            case "|": (kind, index) = (.pipe, index + 1)
            case ",": (kind, index) = (.comma, index + 1)
            case "=": (kind, index) = (.assign, index + 1)
            case ":":
                guard index + 1 < interior.upperBound, scalars[index + 1] == "=" else {
                    throw fail("expected :=", at: index)
                }
                (kind, index) = (.declare, index + 2)
            case ".":
                let (names, end) = try chain(from: index)
                (kind, index) = (.field(names), end)
            case "$":
                let (name, end) = word(from: index + 1)
                let (names, after) = try chain(from: end)
                (kind, index) = (.variable("$" + name, names), after)
            case "\"", "`", "'":
                let (value, end) = try quoted(from: index, in: interior)
                (kind, index) = (.constant(value), end)
            default:
                if ("0"..."9").contains(scalar) || scalar == "-" || scalar == "+" {
                    let (value, end) = try number(from: index, in: interior)
                    (kind, index) = (.constant(value), end)
                } else if Self.isWordScalar(scalar) {
                    let (name, end) = word(from: index)
                    switch name {
                    case "true": kind = .constant(.bool(true))
                    case "false": kind = .constant(.bool(false))
                    case "nil": kind = .constant(.null)
                    default: kind = .word(name)
                    }
                    index = end
                } else {
                    throw fail("unexpected \"\(scalar)\" in command", at: index)
                }
            }
            items.append(Item(kind: kind, offset: start, spaced: spaced))
            spaced = false
        }
        return items
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
    }

    /// A string (`"…"` with Go escapes, `` `…` `` raw) or a character constant (`'a'`, an integer as in Go).
    private func quoted(from start: Int, in interior: Range<Int>) throws(TemplateError) -> (EventValue, Int) {
        let quote = scalars[start]
        var index = start + 1
        var text = String.UnicodeScalarView()
        while index < interior.upperBound, scalars[index] != quote {
            var scalar = scalars[index]
            if scalar == "\\", quote != "`", index + 1 < interior.upperBound {
                index += 1
                switch scalars[index] {
                case "n": scalar = "\n"
                case "t": scalar = "\t"
                case "r": scalar = "\r"
                case "u", "x":
                    let width = scalars[index] == "u" ? 4 : 2
                    let digits = String(
                        String.UnicodeScalarView(scalars[(index + 1)..<min(index + 1 + width, interior.upperBound)]))
                    guard digits.count == width, let code = UInt32(digits, radix: 16),
                        let decoded = Unicode.Scalar(code)
                    else { throw fail("bad escape in string", at: index) }
                    scalar = decoded
                    index += width
                default: scalar = scalars[index]
                }
            }
            text.append(scalar)
            index += 1
        }
        guard index < interior.upperBound else { throw fail("unterminated quoted string", at: start) }
        if quote == "'" {
            guard text.count == 1, let character = text.first else { throw fail("bad character constant", at: start) }
            return (.int(Int64(character.value)), index + 1)
        }
        return (.string(String(text)), index + 1)
    }

    /// A number: an integer (decimal or `0x` hex) or a float, as Go's constants are.
    private func number(from start: Int, in interior: Range<Int>) throws(TemplateError) -> (EventValue, Int) {
        var index = start
        var text = ""
        while index < interior.upperBound {
            let scalar = scalars[index]
            let isSign = (scalar == "-" || scalar == "+") && (index == start || text.last == "e" || text.last == "E")
            guard isSign || Self.isWordScalar(scalar) || scalar == "." else { break }
            text.unicodeScalars.append(scalar)
            index += 1
        }
        let body = text.replacingOccurrences(of: "_", with: "")
        let negative = body.hasPrefix("-")
        let unsigned = body.drop { $0 == "-" || $0 == "+" }
        if unsigned.hasPrefix("0x") || unsigned.hasPrefix("0X"), let magnitude = Int64(unsigned.dropFirst(2), radix: 16)
        {
            return (.int(negative ? -magnitude : magnitude), index)
        }
        if let integer = Int64(body) { return (.int(integer), index) }
        if let float = Double(body), float.isFinite { return (.double(float), index) }
        throw fail("bad number syntax: \"\(text)\"", at: start)
    }

    /// Commands joined by `|`, up to the end of the items or a `)`.
    mutating func parsePipeline() throws(TemplateError) -> GoTemplate.Pipeline {
        var commands: [GoTemplate.Command] = []
        while true {
            commands.append(try parseCommand())
            guard cursor < items.count, items[cursor].kind == .pipe else { break }
            cursor += 1
        }
        return GoTemplate.Pipeline(commands: commands)
    }

    /// A function and its arguments, or one operand.
    mutating func parseCommand() throws(TemplateError) -> GoTemplate.Command {
        let offset = cursor < items.count ? items[cursor].offset : (items.last?.offset ?? 0)
        var function: String?
        if cursor < items.count, case .word(let name) = items[cursor].kind {
            try checkFunction(name, at: offset)
            function = name
            cursor += 1
        }
        var arguments: [GoTemplate.Operand] = []
        while cursor < items.count, items[cursor].kind != .pipe, items[cursor].kind != .close {
            arguments.append(try parseOperand())
        }
        if function == nil {
            guard let operand = arguments.first else { throw fail("missing value for command", at: offset) }
            guard arguments.count == 1 else { throw fail("can't give argument to non-function", at: offset) }
            if case .constant(.null) = operand { throw fail("nil is not a command", at: offset) }
        }
        return GoTemplate.Command(function: function, arguments: arguments, offset: offset)
    }

    func checkFunction(_ name: String, at offset: Int) throws(TemplateError) {
        if let reason = TemplateFunctions.refused[name] {
            throw fail("function \"\(name)\" is not supported: \(reason)", at: offset)
        }
        if ["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"].contains(name) {
            throw fail("unexpected <\(name)> in command", at: offset)
        }
        guard TemplateFunctions.table[name] != nil else { throw fail("function \"\(name)\" not defined", at: offset) }
    }

    /// One argument: a field, variable, literal, parenthesised pipeline (with a field chain), or function name.
    mutating func parseOperand() throws(TemplateError) -> GoTemplate.Operand {
        let item = items[cursor]
        cursor += 1
        switch item.kind {
        case .field(let names): return .field(names)
        case .constant(let value): return .constant(value)
        case .variable(let name, let names):
            guard variables.contains(name) else { throw fail("undefined variable \"\(name)\"", at: item.offset) }
            return .variable(name, names)
        case .word(let name):
            try checkFunction(name, at: item.offset)
            return .function(name)
        case .open:
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { throw fail("template nested too deeply", at: item.offset) }
            let pipeline = try parsePipeline()
            guard cursor < items.count, items[cursor].kind == .close else {
                throw fail("unclosed left paren", at: item.offset)
            }
            cursor += 1
            var names: [String] = []
            if cursor < items.count, !items[cursor].spaced, case .field(let chained) = items[cursor].kind {
                names = chained
                cursor += 1
            }
            return .pipeline(pipeline, names)
        default:
            throw fail("unexpected \(describe(item)) in operand", at: item.offset)
        }
    }
}
