/// A compiled regular expression, used as Go's `regexp.MatchString` is: unanchored, matching anywhere.
///
/// Go's RE2 syntax and Swift's regex syntax agree on what sensors use (classes, `\b`, `\d`, `^`, `$`,
/// alternation, repetition, `(?i)`); syntax Swift does not accept fails to compile and is reported when
/// the sensor loads.
///
/// `@unchecked Sendable` proof: `Regex` is a struct over an immutable `Regex.Program` whose only mutable
/// state, the lazily lowered matcher program, is published with an atomic store-if-nil
/// (`_loweredProgramStorage`, swift-experimental-string-processing `Regex/Core.swift`); `init` also runs one
/// match so the program is lowered before the value is shared. Nothing here mutates `regex` after `init`.
struct TextPattern: @unchecked Sendable {
    /// The pattern as written.
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles a pattern.
    /// - Throws: the regex parser's error when the pattern is not valid.
    init(_ source: String) throws {
        self.source = source
        // RE2 matches code points, not grapheme clusters.
        regex = try Regex(source).matchingSemantics(.unicodeScalar)
        _ = matches("")
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
