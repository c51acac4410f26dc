import EventModel

/// Parses Go `text/template` source into ``GoTemplate/Node``s: first the text is cut into text and actions (with
/// `{{-`/`-}}` trimming and comments), then each action is lexed into items and parsed.
struct TemplateParser {
    private enum Piece {
        case text(String)
        /// The scalars between the delimiters (trim markers excluded).
        case action(Range<Int>)
    }

    struct Item {
        enum Kind: Equatable {
            case word(String)
            case field([String])
            case variable(String, [String])
            case constant(EventValue)
            case open, close, pipe, declare, assign, comma
        }
        var kind: Kind
        var offset: Int
        /// Whether space separates the item from the one before it (`(x).a` chains; `(x) .a` is an argument).
        var spaced: Bool
    }

    let source: String
    let scalars: [Unicode.Scalar]
    private var pieces: [Piece] = []
    private var next = 0
    /// Items of the action being parsed, and the position in them.
    var items: [Item] = []
    var cursor = 0
    /// Declared variables, innermost last.
    var variables = ["$"]
    var depth = 0
    /// How many `range` bodies enclose the action being parsed (`break` and `continue` need one).
    var loops = 0

    init(source: String) throws(TemplateError) {
        self.source = source
        scalars = Array(source.unicodeScalars)
        pieces = try cut()
    }

    func fail(_ reason: String, at offset: Int) -> TemplateError {
        TemplateError(template: source, reason: reason, offset: offset)
    }

    private func startsWith(_ text: String, at position: Int) -> Bool {
        var index = position
        for scalar in text.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    /// Cuts the source into text and actions, trimming around `{{-` and `-}}` and dropping comments.
    private func cut() throws(TemplateError) -> [Piece] {
        var pieces: [Piece] = []
        var text = String.UnicodeScalarView()
        var index = 0
        var trimNext = false
        while index < scalars.count {
            guard startsWith("{{", at: index) else {
                if !(trimNext && Self.isSpace(scalars[index])) {
                    trimNext = false
                    text.append(scalars[index])
                }
                index += 1
                continue
            }
            let open = index
            index += 2
            if startsWith("-", at: index), index + 1 < scalars.count, Self.isSpace(scalars[index + 1]) {
                index += 1
                while let last = text.last, Self.isSpace(last) { text.removeLast() }
            }
            if !text.isEmpty { pieces.append(.text(String(text))) }
            text = String.UnicodeScalarView()
            let (interior, end) = try actionEnd(from: index, open: open)
            trimNext = interior.upperBound == end - 3
            index = end
            var start = interior.lowerBound
            while start < interior.upperBound, Self.isSpace(scalars[start]) { start += 1 }
            if !startsWith("/*", at: start) { pieces.append(.action(interior)) }
        }
        if !text.isEmpty { pieces.append(.text(String(text))) }
        return pieces
    }

    /// The interior of the action starting at `from` (after `{{` and a left trim marker) and the index after `}}`.
    private func actionEnd(from start: Int, open: Int) throws(TemplateError) -> (Range<Int>, Int) {
        var index = start
        var skipSpaces = start
        while skipSpaces < scalars.count, Self.isSpace(scalars[skipSpaces]) { skipSpaces += 1 }
        if startsWith("/*", at: skipSpaces) {
            index = skipSpaces + 2
            while index < scalars.count, !startsWith("*/", at: index) { index += 1 }
            guard index < scalars.count else { throw fail("unclosed comment", at: open) }
            index += 2
        }
        var quote: Unicode.Scalar?
        while index < scalars.count {
            let scalar = scalars[index]
            if let open = quote {
                if scalar == "\\" && open != "`" {
                    index += 1
                } else if scalar == open {
                    quote = nil
                }
            } else if scalar == "\"" || scalar == "`" || scalar == "'" {
                quote = scalar
            } else if startsWith("}}", at: index) {
                let trims = index - 2 >= start && scalars[index - 1] == "-" && Self.isSpace(scalars[index - 2])
                return (start..<(trims ? index - 1 : index), index + 2)
            }
            index += 1
        }
        throw fail("unclosed action", at: open)
    }

    /// Parses the whole template.
    mutating func parse() throws(TemplateError) -> [GoTemplate.Node] {
        let (nodes, stop) = try parseList()
        if let stop { throw fail("unexpected {{\(stop.keyword)}}", at: stop.offset) }
        return nodes
    }

    /// The action that ended a list: `end` or `else` (with the items after it).
    struct Stop {
        var keyword: String
        var offset: Int
    }

    /// Nodes up to an `{{end}}` or `{{else}}` (returned) or the end of the text (nil).
    mutating func parseList() throws(TemplateError) -> ([GoTemplate.Node], Stop?) {
        var nodes: [GoTemplate.Node] = []
        while next < pieces.count {
            let piece = pieces[next]
            next += 1
            switch piece {
            case .text(let text): nodes.append(.text(text))
            case .action(let interior):
                items = try lex(interior)
                cursor = 0
                guard let first = items.first else { throw fail("missing value for command", at: interior.lowerBound) }
                if case .word(let word) = first.kind, word == "end" || word == "else" {
                    cursor = 1
                    return (nodes, Stop(keyword: word, offset: first.offset))
                }
                nodes.append(try parseAction())
            }
        }
        return (nodes, nil)
    }

    /// An action that is not `end` or `else`: a control structure or a pipeline to print.
    mutating func parseAction() throws(TemplateError) -> GoTemplate.Node {
        guard let first = items.first, case .word(let word) = first.kind else {
            return .output(try parseWholePipeline(declarations: 1))
        }
        switch word {
        case "if", "with", "range":
            cursor = 1
            return try parseControl(word, at: first.offset)
        case "break", "continue":
            guard loops > 0 else { throw fail("{{\(word)}} outside {{range}}", at: first.offset) }
            guard items.count == 1 else { throw fail("unexpected item in {{\(word)}}", at: first.offset) }
            return word == "break" ? .breakLoop : .continueLoop
        case "define", "template", "block":
            throw fail("{{\(word)}} is not supported", at: first.offset)
        default:
            return .output(try parseWholePipeline(declarations: 1))
        }
    }

    /// `if`/`with`/`range` after its keyword: the pipeline, the body, an `else` (or `else if`/`else with`) and `end`.
    mutating func parseControl(_ keyword: String, at offset: Int) throws(TemplateError) -> GoTemplate.Node {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw fail("template nested too deeply", at: offset) }
        let scope = variables.count
        defer { variables.removeSubrange(scope...) }
        guard cursor < items.count else { throw fail("missing value for \(keyword)", at: offset) }
        let pipeline = try parseWholePipeline(declarations: keyword == "range" ? 2 : 1)
        if keyword == "range" { loops += 1 }
        let (body, stop) = try parseList()
        if keyword == "range" { loops -= 1 }
        var otherwise: [GoTemplate.Node] = []
        guard let stop else { throw fail("unexpected EOF", at: offset) }
        if stop.keyword == "else" {
            if cursor < items.count, case .word(let chained) = items[cursor].kind, chained == "if" || chained == "with",
                keyword != "range"
            {
                let chainedOffset = items[cursor].offset
                cursor += 1
                // `{{else if …}}` is `{{else}}{{if …}}…{{end}}` sharing this `end`.
                otherwise = [try parseControl(chained, at: chainedOffset)]
            } else {
                guard cursor == items.count else { throw fail("unexpected item after {{else}}", at: stop.offset) }
                let (tail, end) = try parseList()
                guard let end else { throw fail("unexpected EOF", at: offset) }
                guard end.keyword == "end" else { throw fail("unexpected {{else}}", at: end.offset) }
                otherwise = tail
            }
        } else if cursor < items.count {
            throw fail("unexpected item after {{end}}", at: stop.offset)
        }
        switch keyword {
        case "if": return .branch(.if, pipeline, body, otherwise: otherwise)
        case "with": return .branch(.with, pipeline, body, otherwise: otherwise)
        default: return .range(pipeline, body, otherwise: otherwise)
        }
    }

    /// A pipeline that fills the rest of the action, with up to `declarations` variables declared or assigned.
    mutating func parseWholePipeline(declarations: Int) throws(TemplateError) -> GoTemplate.Pipeline {
        var names: [String] = []
        var isAssignment = false
        var probe = cursor
        var candidate: [String] = []
        while probe < items.count, case .variable(let name, let fields) = items[probe].kind, fields.isEmpty {
            candidate.append(name)
            probe += 1
            guard probe < items.count else { break }
            if items[probe].kind == .comma, candidate.count < declarations {
                probe += 1
                continue
            }
            if items[probe].kind == .declare || items[probe].kind == .assign {
                isAssignment = items[probe].kind == .assign
                names = candidate
                cursor = probe + 1
            }
            break
        }
        for name in names where isAssignment && !variables.contains(name) {
            throw fail("undefined variable \"\(name)\"", at: items[0].offset)
        }
        var pipeline = try parsePipeline()
        guard cursor == items.count else {
            throw fail("unexpected \(describe(items[cursor]))", at: items[cursor].offset)
        }
        if !isAssignment { variables += names }
        pipeline.variables = names
        pipeline.isAssignment = isAssignment
        return pipeline
    }

    func describe(_ item: Item) -> String {
        switch item.kind {
        case .close: "\")\""
        case .open: "\"(\""
        case .pipe: "\"|\""
        case .comma: "\",\""
        case .declare: "\":=\""
        case .assign: "\"=\""
        case .word(let word): "<\(word)>"
        default: "operand"
        }
    }
}
