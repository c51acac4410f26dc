import CRE2

/// A regular expression compiled by RE2, with Go's `regexp` semantics: RE2 syntax (no look-around, no
/// backreferences), UTF-8, ASCII-only `\d \w \s \b`, leftmost-first, and matching in time linear in the text, so
/// no pattern can make a match take exponential time.
///
/// The one owner of its RE2 object, which `deinit` frees.
///
/// `@unchecked Sendable` proof: the stored properties are `let`s set once in `init`, the pattern (a `String`) and the
/// pointer to the RE2 object. RE2 objects are thread-safe after construction: RE2 documents its `const` methods,
/// `Match` among them, as safe to call from several threads at once (it guards the lazily built DFA caches with its
/// own locks), and nothing calls a non-`const` method after `init`.
public final class RE2Regex: @unchecked Sendable {
    /// The most memory RE2 may use for one pattern's compiled programs (RE2's `max_mem`): a larger pattern is a
    /// compile error, never an allocation that could exhaust the process.
    public static let memoryBudget: Int64 = 8 << 20

    /// The pattern as written.
    public let pattern: String
    private let handle: OpaquePointer

    /// Compiles `pattern`.
    /// - Parameter pattern: RE2 (Go `regexp`) syntax.
    /// - Throws: ``RegexSyntaxError`` with RE2's reason when the pattern does not compile (syntax RE2 refuses, or a
    ///   program larger than ``memoryBudget``).
    public init(_ pattern: String) throws(RegexSyntaxError) {
        self.pattern = pattern
        var pattern = pattern
        var reason = [CChar](repeating: 0, count: 256)
        let compiled = pattern.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                cre2_compile(characters.baseAddress, characters.count, Self.memoryBudget, &reason, reason.count)
            }
        }
        guard let compiled else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw RegexSyntaxError(pattern: self.pattern, reason: text)
        }
        handle = compiled
    }

    deinit { cre2_free(handle) }

    /// The byte ranges (UTF-8 offsets) of successive non-overlapping matches in `text`, as Go's
    /// `regexp.FindAllStringIndex(text, limit)`: after an empty match the search moves on by one character, and an
    /// empty match right after the previous match is skipped.
    /// - Parameter limit: the most matches to return; negative: all.
    public func matchRanges(in text: String, limit: Int = -1) -> [Range<Int>] {
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        var position = 0
        var previousEnd = -1
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                while position <= bytes.count && (limit < 0 || ranges.count < limit) {
                    var start = 0
                    var end = 0
                    guard cre2_find(handle, characters.baseAddress, characters.count, position, &start, &end) else {
                        break
                    }
                    var accept = true
                    if end == position {
                        // An empty match where the search began.
                        if start == previousEnd { accept = false }
                        position = Self.nextCharacter(after: position, in: bytes)
                    } else {
                        position = end
                    }
                    previousEnd = end
                    if accept { ranges.append(start..<end) }
                }
            }
        }
        return ranges
    }

    /// The offset of the character after the one starting at `offset` (UTF-8 lead byte), or one past the end.
    private static func nextCharacter(after offset: Int, in bytes: [UInt8]) -> Int {
        guard offset < bytes.count else { return offset + 1 }
        var next = offset + 1
        while next < bytes.count && bytes[next] & 0xC0 == 0x80 { next += 1 }
        return next
    }

    /// Whether the pattern matches anywhere in `text`, as Go's `regexp.MatchString`: unanchored, partial.
    public func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                cre2_match(handle, characters.baseAddress, characters.count)
            }
        }
    }
}

/// A pattern RE2 does not compile, with RE2's reason (for example `invalid perl operator: (?=` for a look-ahead).
public struct RegexSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    /// RE2's reason.
    public let reason: String

    public var description: String { "'\(pattern)' is not a valid RE2 regular expression: \(reason)" }
}
