internal import RegexEngine

/// A compiled regular expression, used as Go's `regexp.MatchString` is: unanchored, matching anywhere.
///
/// Patterns are RE2's (Go's) syntax and semantics, compiled by RE2 (``RE2Regex``): `\d \w \s \b` are ASCII only,
/// `(?i) (?s) (?m) (?U)` are the flags, and look-around and backreferences, which Go refuses, do not compile, so
/// the sensor that holds one fails to load. A match takes time linear in the text whatever the pattern.
///
/// A pattern without metacharacters (`hello, world`, `^main$`) is matched as the literal it is, by a byte search
/// without the call into RE2, and so is a chain of such literals joined by `.*` (`^sensor-.*$`, `^refs/.*/main$`).
/// RE2 gives the same answers (`.` matches any character but a newline, `^` and `$` only the ends of the text):
/// SensorLanguageTests compares the two on random literals and on every short `.*` chain over a small alphabet.
///
/// A class, immutable, so the filters that hold patterns hand them on with one retain rather than a copy of each
/// field. Sendable: every stored property is a `let` of a Sendable type.
package final class TextPattern: Sendable {
    /// How a pattern is matched.
    private enum Matcher {
        /// A literal, possibly anchored at the start (`^`) or end (`$`).
        case literal([UInt8], atStart: Bool, atEnd: Bool)
        /// Literals joined by `.*`: at least two pieces (an empty one where `.*` starts or ends the pattern), none
        /// containing a newline, which `.` does not match.
        case pieces([[UInt8]], atStart: Bool, atEnd: Bool)
        /// Anything else.
        case regex(RE2Regex)
    }

    /// The pattern as written.
    package let source: String
    private let matcher: Matcher

    /// Compiles a pattern.
    /// - Throws: ``TextPatternError`` with RE2's reason when the pattern is not valid RE2 syntax or too large.
    package init(_ source: String) throws(TextPatternError) {
        self.source = source
        if let plain = Self.plain(source) {
            matcher = plain
        } else {
            do {
                matcher = .regex(try RE2Regex(source))
            } catch {
                throw TextPatternError(pattern: source, reason: error.reason)
            }
        }
    }

    /// Whether the pattern matches anywhere in `text`.
    package func matches(_ text: String) -> Bool {
        switch matcher {
        case .regex(let regex):
            return regex.matches(text)
        case .literal(let needle, let atStart, let atEnd):
            var text = text
            return text.withUTF8 { haystack in
                if atStart && atEnd { return haystack.elementsEqual(needle) }
                if atStart { return haystack.starts(with: needle) }
                if atEnd {
                    return haystack.count >= needle.count && haystack.suffix(needle.count).elementsEqual(needle)
                }
                return Self.firstIndex(of: needle, in: haystack[...]) != nil
            }
        case .pieces(let pieces, let atStart, let atEnd):
            var text = text
            return text.withUTF8 { haystack in Self.matches(pieces, atStart: atStart, atEnd: atEnd, in: haystack) }
        }
    }

    /// The bytes a text must equal for the pattern to match, when the pattern is a literal anchored at both ends
    /// (`^main$`); nil for any other pattern. An index can look such a pattern up by the text's bytes.
    package var exactText: [UInt8]? {
        guard case .literal(let needle, atStart: true, atEnd: true) = matcher else { return nil }
        return needle
    }

    /// A matcher without the regex engine: a literal, or literals joined by `.*`; nil for anything else.
    private static func plain(_ source: String) -> Matcher? {
        var body = Substring(source)
        let atStart = body.first == "^"
        if atStart { body = body.dropFirst() }
        // `\$` is an escaped dollar, not an anchor; a pattern with a backslash is never plain anyway.
        let atEnd = body.last == "$"
        if atEnd { body = body.dropLast() }
        // Scalars, not Characters: a metacharacter or newline followed by a combining mark (`?\u{651}`, `\r\n`) is one
        // Character that equals none of these, yet RE2 reads the metacharacter.
        let metacharacters: Set<Unicode.Scalar> = [
            "\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$",
        ]
        let pieces = body.split(separator: ".*", omittingEmptySubsequences: false)
        guard pieces.allSatisfy({ !$0.unicodeScalars.contains(where: metacharacters.contains) }) else { return nil }
        if pieces.count == 1 { return .literal(Array(body.utf8), atStart: atStart, atEnd: atEnd) }
        guard pieces.allSatisfy({ !$0.unicodeScalars.contains("\n") }) else { return nil }
        return .pieces(pieces.map { Array($0.utf8) }, atStart: atStart, atEnd: atEnd)
    }

    /// Whether `pieces` joined by `.*` match in `text`. No piece holds a newline and `.` matches none, so a match
    /// lies within one line: the first line when anchored at the start, the last when anchored at the end. Within
    /// a line, placing each piece at its leftmost occurrence after the previous one finds a match if there is one;
    /// only a last piece anchored at the end must instead be the line's suffix.
    private static func matches(
        _ pieces: [[UInt8]], atStart: Bool, atEnd: Bool, in text: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        let newline = UInt8(ascii: "\n")
        var lineStart = 0
        while lineStart <= text.count {
            let lineEnd = text[lineStart...].firstIndex(of: newline) ?? text.count
            let isLastLine = lineEnd == text.count
            if !atEnd || isLastLine, matches(pieces, atStart: atStart, atEnd: atEnd, inLine: text[lineStart..<lineEnd])
            {
                return true
            }
            if atStart || isLastLine { return false }
            lineStart = lineEnd + 1
        }
        return false
    }

    private static func matches(
        _ pieces: [[UInt8]], atStart: Bool, atEnd: Bool, inLine line: Slice<UnsafeBufferPointer<UInt8>>
    ) -> Bool {
        var position = line.startIndex
        for (index, piece) in pieces.enumerated() {
            if index == 0 && atStart {
                guard line.starts(with: piece) else { return false }
                position += piece.count
            } else if index == pieces.count - 1 && atEnd {
                return line.endIndex - position >= piece.count && line.suffix(piece.count).elementsEqual(piece)
            } else {
                guard let found = firstIndex(of: piece, in: line[position...]) else { return false }
                position = found + piece.count
            }
        }
        return true
    }

    /// The index in `haystack` where `needle` first occurs.
    private static func firstIndex(
        of needle: [UInt8], in haystack: Slice<UnsafeBufferPointer<UInt8>>
    ) -> Int? {
        guard let first = needle.first else { return haystack.startIndex }
        guard haystack.count >= needle.count else { return nil }
        var start = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while start <= last {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count && haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return start }
            }
            start += 1
        }
        return nil
    }
}

/// A regular expression that does not compile: RE2 refuses its syntax (look-around, backreferences, a bad escape)
/// or its compiled form exceeds the memory bound.
package struct TextPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    package let pattern: String
    /// RE2's reason, for example `invalid perl operator: (?=`.
    package let reason: String

    package var description: String { "'\(pattern)' is not a valid regular expression: \(reason)" }
}
