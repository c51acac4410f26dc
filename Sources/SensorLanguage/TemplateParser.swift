import EventModel

struct TemplateParser {
    let source: String
    let scalars: [Unicode.Scalar]
    var index = 0

    init(source: String) {
        self.source = source
        scalars = Array(source.unicodeScalars)
    }

    func fail(_ reason: String) -> TemplateError {
        TemplateError(template: source, reason: "\(reason) (character \(index + 1))")
    }

    func startsWith(_ text: String, at position: Int) -> Bool {
        let needle = Array(text.unicodeScalars)
        return position + needle.count <= scalars.count && Array(scalars[position..<position + needle.count]) == needle
    }

    mutating func parse() throws(TemplateError) -> [GoTemplate.Piece] {
        var pieces: [GoTemplate.Piece] = []
        var text = ""
        while index < scalars.count {
            guard startsWith("{{", at: index) else {
                text.unicodeScalars.append(scalars[index])
                index += 1
                continue
            }
            index += 2
            if startsWith("- ", at: index)
                || (startsWith("-", at: index) && index + 1 < scalars.count
                    && scalars[index + 1].properties.isWhitespace)
            {
                index += 1
                while let last = text.unicodeScalars.last, last.properties.isWhitespace {
                    text.unicodeScalars.removeLast()
                }
            }
            if !text.isEmpty {
                pieces.append(.text(text))
                text = ""
            }
            skipSpaces()
            if startsWith("/*", at: index) {
                while index < scalars.count, !startsWith("*/", at: index) { index += 1 }
                guard index < scalars.count else { throw fail("unclosed comment") }
                index += 2
                skipSpaces()
                _ = try closeAction()
                continue
            }
            let pipeline = try parsePipeline(depth: 0)
            pieces.append(.action(pipeline))
            if try closeAction() {
                while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
            }
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    /// Consumes `}}` or ` -}}`; returns whether the right side trims.
    mutating func closeAction() throws(TemplateError) -> Bool {
        skipSpaces()
        if startsWith("-}}", at: index) {
            index += 3
            return true
        }
        guard startsWith("}}", at: index) else { throw fail("expected '}}'") }
        index += 2
        return false
    }

    mutating func skipSpaces() {
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" || scalars[index] == "\n" {
            index += 1
        }
    }

    mutating func parsePipeline(depth: Int) throws(TemplateError) -> GoTemplate.Pipeline {
        guard depth < 32 else { throw fail("template nested too deeply") }
        var commands: [GoTemplate.Command] = []
        while true {
            commands.append(try parseCommand(depth: depth))
            skipSpaces()
            guard index < scalars.count, scalars[index] == "|" else { break }
            index += 1
        }
        return GoTemplate.Pipeline(commands: commands)
    }

    mutating func parseCommand(depth: Int) throws(TemplateError) -> GoTemplate.Command {
        skipSpaces()
        var function: String?
        var arguments: [GoTemplate.Operand] = []
        if index < scalars.count, scalars[index].properties.isAlphabetic {
            var word = ""
            while index < scalars.count,
                scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index]) || scalars[index] == "_"
            {
                word.unicodeScalars.append(scalars[index])
                index += 1
            }
            switch word {
            case "true": arguments.append(.bool(true))
            case "false": arguments.append(.bool(false))
            case "if", "range", "with", "define", "template", "block", "end", "else", "nil":
                throw fail("not supported: '\(word)'")
            default:
                guard GoTemplate.functions.contains(word) else { throw fail("function \"\(word)\" not defined") }
                function = word
            }
        }
        while true {
            skipSpaces()
            guard index < scalars.count, scalars[index] != "|", scalars[index] != ")", !startsWith("}}", at: index),
                !startsWith("-}}", at: index)
            else { break }
            arguments.append(try parseOperand(depth: depth))
        }
        if function == nil && arguments.isEmpty { throw fail("missing value in action") }
        if function == nil && arguments.count > 1 { throw fail("a value cannot take arguments") }
        return GoTemplate.Command(function: function, arguments: arguments)
    }

    mutating func parseOperand(depth: Int) throws(TemplateError) -> GoTemplate.Operand {
        let scalar = scalars[index]
        switch scalar {
        case ".":
            var names: [String] = []
            index += 1
            var name = ""
            while index < scalars.count {
                let next = scalars[index]
                if next == "." {
                    guard !name.isEmpty else { throw fail("empty field name") }
                    names.append(name)
                    name = ""
                } else if next.properties.isAlphabetic || ("0"..."9").contains(next) || next == "_" {
                    name.unicodeScalars.append(next)
                } else {
                    break
                }
                index += 1
            }
            if !name.isEmpty { names.append(name) } else if !names.isEmpty { throw fail("field ends with '.'") }
            return .field(names)
        case "\"":
            index += 1
            var text = ""
            while index < scalars.count, scalars[index] != "\"" {
                if scalars[index] == "\\", index + 1 < scalars.count {
                    index += 1
                    switch scalars[index] {
                    case "n": text += "\n"
                    case "t": text += "\t"
                    default: text.unicodeScalars.append(scalars[index])
                    }
                } else {
                    text.unicodeScalars.append(scalars[index])
                }
                index += 1
            }
            guard index < scalars.count else { throw fail("unterminated string") }
            index += 1
            return .string(text)
        case "`":
            index += 1
            var text = ""
            while index < scalars.count, scalars[index] != "`" {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw fail("unterminated raw string") }
            index += 1
            return .string(text)
        case "(":
            index += 1
            let pipeline = try parsePipeline(depth: depth + 1)
            skipSpaces()
            guard index < scalars.count, scalars[index] == ")" else { throw fail("expected ')'") }
            index += 1
            return .pipeline(pipeline)
        case "$":
            throw fail("not supported: template variables")
        default:
            if ("0"..."9").contains(scalar) || scalar == "-" {
                var text = ""
                while index < scalars.count,
                    ("0"..."9").contains(scalars[index]) || scalars[index] == "." || scalars[index] == "-"
                {
                    text.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard let number = Double(text) else { throw fail("bad number '\(text)'") }
                return .number(number)
            }
            if scalar.properties.isAlphabetic {
                var word = ""
                while index < scalars.count, scalars[index].properties.isAlphabetic {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                if word == "true" { return .bool(true) }
                if word == "false" { return .bool(false) }
                throw fail("function \"\(word)\" must be called in parentheses when used as an argument")
            }
            throw fail("unexpected '\(scalar)'")
        }
    }
}
