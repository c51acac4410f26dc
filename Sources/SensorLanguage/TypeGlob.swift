/// A shell-style glob over CloudEvent `type` values, matched against the whole string.
///
/// `*` matches any run of characters (dots included), `?` one character, `[abc]`, `[a-z]` and `[!abc]` one
/// character of (or not of) a set, and `\` makes the next character literal. `com.acme.ml.*` matches
/// `com.acme.ml.training.requested`; `*` alone matches every type.
public struct TypeGlob: Sendable, Hashable, CustomStringConvertible {
    /// A glob that does not parse.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The glob as written.
        public var glob: String
        /// What is wrong.
        public var reason: String

        /// `invalid glob 'x': reason`.
        public var description: String { "invalid glob '\(glob)': \(reason)" }
    }

    private enum Token: Sendable, Hashable {
        case literal(Character)
        case any
        case anyRun
        case set([ClosedRange<Character>], negated: Bool)
    }

    /// The glob as written.
    public let source: String
    private let tokens: [Token]

    /// Parses a glob.
    /// - Throws: ``SyntaxError`` when the glob is empty, ends in a lone `\`, or has an unclosed or empty `[`.
    public init(_ source: String) throws(SyntaxError) {
        self.source = source
        guard !source.isEmpty else { throw SyntaxError(glob: source, reason: "empty pattern") }
        var tokens: [Token] = []
        var characters = Array(source)[...]
        while let character = characters.popFirst() {
            switch character {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.any)
            case "\\":
                guard let escaped = characters.popFirst() else {
                    throw SyntaxError(glob: source, reason: "trailing '\\' escapes nothing")
                }
                tokens.append(.literal(escaped))
            case "[":
                tokens.append(try Self.parseSet(&characters, glob: source))
            default:
                tokens.append(.literal(character))
            }
        }
        self.tokens = tokens
    }

    private static func parseSet(_ characters: inout ArraySlice<Character>, glob: String) throws(SyntaxError) -> Token {
        var negated = false
        if characters.first == "!" || characters.first == "^" {
            negated = true
            characters.removeFirst()
        }
        var ranges: [ClosedRange<Character>] = []
        var first = true
        while let character = characters.popFirst() {
            if character == "]" && !first {
                return .set(ranges, negated: negated)
            }
            first = false
            var low = character
            if low == "\\" {
                guard let escaped = characters.popFirst() else { break }
                low = escaped
            }
            if characters.first == "-", characters.dropFirst().first.map({ $0 != "]" }) == true {
                characters.removeFirst()
                guard let high = characters.popFirst() else { break }
                guard low <= high else {
                    throw SyntaxError(glob: glob, reason: "range '\(low)-\(high)' is reversed")
                }
                ranges.append(low...high)
            } else {
                ranges.append(low...low)
            }
        }
        throw SyntaxError(glob: glob, reason: "'[' is not closed by ']'")
    }

    /// Whether the glob matches every string (it is made of `*` only).
    public var matchesEverything: Bool { tokens == [.anyRun] }

    /// Whether `text` matches the glob as a whole.
    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        // Iterative wildcard matching with one backtrack point (the last `*`), linear in practice.
        var textIndex = 0
        var tokenIndex = 0
        var starToken: Int?
        var starText = 0
        while textIndex < characters.count {
            if tokenIndex < tokens.count, tokens[tokenIndex] == .anyRun {
                starToken = tokenIndex
                starText = textIndex
                tokenIndex += 1
            } else if tokenIndex < tokens.count, Self.matches(tokens[tokenIndex], characters[textIndex]) {
                tokenIndex += 1
                textIndex += 1
            } else if let star = starToken {
                tokenIndex = star + 1
                starText += 1
                textIndex = starText
            } else {
                return false
            }
        }
        while tokenIndex < tokens.count, tokens[tokenIndex] == .anyRun { tokenIndex += 1 }
        return tokenIndex == tokens.count
    }

    private static func matches(_ token: Token, _ character: Character) -> Bool {
        switch token {
        case .literal(let literal): literal == character
        case .any: true
        case .anyRun: false
        case .set(let ranges, let negated): ranges.contains { $0.contains(character) } != negated
        }
    }

    /// The glob as written.
    public var description: String { source }
}
