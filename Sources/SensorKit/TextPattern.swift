/// A compiled regular expression, used as Go's `regexp.MatchString` is: unanchored, matching anywhere.
///
/// Go's RE2 syntax and Swift's regex syntax agree on what sensors use (classes, `\b`, `\d`, `^`, `$`,
/// alternation, repetition, `(?i)`); syntax Swift does not accept fails to compile and is reported when
/// the sensor loads. A pattern without metacharacters (`hello, world`, `^main$`) is matched as the literal it
/// is, by a byte search, which gives the same answer faster.
///
/// `@unchecked Sendable` proof: `Regex` is a struct over an immutable `Regex.Program` whose only mutable
/// state, the lazily lowered matcher program, is published with an atomic store-if-nil
/// (`_loweredProgramStorage`, swift-experimental-string-processing `Regex/Core.swift`); `init` also runs one
/// match so the program is lowered before the value is shared. Nothing here mutates `regex` after `init`.
struct TextPattern: @unchecked Sendable {
    /// How a pattern is matched.
    private enum Matcher {
        /// A literal, possibly anchored at the start (`^`) or end (`$`).
        case literal([UInt8], atStart: Bool, atEnd: Bool)
        /// Anything else.
        case regex(Regex<AnyRegexOutput>)
    }

    /// The pattern as written.
    let source: String
    private let matcher: Matcher

    /// Compiles a pattern.
    /// - Throws: the regex parser's error when the pattern is not valid.
    init(_ source: String) throws {
        self.source = source
        if let literal = Self.literal(source) {
            matcher = literal
        } else {
            // RE2 matches code points, not grapheme clusters.
            matcher = .regex(try Regex(source).matchingSemantics(.unicodeScalar))
            _ = matches("")
        }
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        switch matcher {
        case .regex(let regex):
            return (try? regex.firstMatch(in: text)) != nil
        case .literal(let needle, let atStart, let atEnd):
            var text = text
            return text.withUTF8 { haystack in
                if atStart && atEnd { return haystack.elementsEqual(needle) }
                if atStart { return haystack.starts(with: needle) }
                if atEnd {
                    return haystack.count >= needle.count && haystack.suffix(needle.count).elementsEqual(needle)
                }
                return Self.contains(haystack, needle)
            }
        }
    }

    private static func literal(_ source: String) -> Matcher? {
        var body = Substring(source)
        let atStart = body.first == "^"
        if atStart { body = body.dropFirst() }
        let atEnd = body.last == "$"
        if atEnd { body = body.dropLast() }
        let metacharacters: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]
        guard !body.contains(where: { metacharacters.contains($0) }) else { return nil }
        return .literal(Array(body.utf8), atStart: atStart, atEnd: atEnd)
    }

    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count && haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
