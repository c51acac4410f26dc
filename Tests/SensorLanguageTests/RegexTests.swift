import RegexEngine
import Testing

@testable import SensorLanguage

/// Regular expressions with Go's `regexp` semantics, through RE2: what Go answers, what Go refuses, and that no
/// pattern backtracks.
struct RegexSemanticsTests {
    /// Answers Go's `regexp.MatchString` gives, several of which Swift's regex engine answered differently.
    @Test(arguments: [
        // `\d`, `\w`, `\s` and `\b` are ASCII only.
        (#"^\d+$"#, "123", true), (#"^\d+$"#, "٣", false), (#"^\d+$"#, "１２", false),
        (#"^\w+$"#, "cafe_1", true), (#"^\w+$"#, "café", false), (#"\s"#, "a\u{a0}b", false), (#"\s"#, "a\tb", true),
        (#"\bfoo\b"#, "a foo b", true), (#"\bfoo"#, "éfoo", true), (#"\bfoo"#, "_foo", false),
        // Unicode classes are Unicode.
        (#"^\pL+$"#, "café", true), (#"^\p{Greek}+$"#, "αβγ", true), (#"^[[:alpha:]]+$"#, "abc", true),
        (#"^[[:alpha:]]+$"#, "é", false),
        // Flags.
        ("(?i)HELLO", "say hello", true), ("HELLO", "say hello", false), ("(?i)straße", "STRASSE", false),
        ("a.b", "a\nb", false), ("(?s)a.b", "a\nb", true), ("^b$", "a\nb\nc", false), ("(?m)^b$", "a\nb\nc", true),
        ("(?U)a+b", "aab", true), ("x$", "x\n", false), (#"\Ax\z"#, "x", true),
        // Unanchored: anywhere in the text.
        ("ell", "hello", true), ("^ell", "hello", false), ("[0-9]{3}", "ab1234", true), ("a|b", "xxb", true),
        ("", "", true), ("é", "café", true), (#"\Qa.b\E"#, "a.b", true), (#"\Qa.b\E"#, "axb", false),
        (#"[^a]"#, "\n", true),
    ])
    func goAnswers(pattern: String, text: String, expected: Bool) throws {
        #expect(try TextPattern(pattern).matches(text) == expected, "\(pattern) on \(text.debugDescription)")
        #expect(try RE2Regex(pattern).matches(text) == expected, "\(pattern) on \(text.debugDescription)")
    }

    /// Syntax Go's `regexp` refuses does not compile: look-around, backreferences, possessive and atomic groups,
    /// repetition beyond 1000, bad escapes.
    @Test(arguments: [
        "(?=x)", "a(?!b)", "(?<=a)b", "(?<!a)b", #"(a)\1"#, #"(?P<x>a)(?P=x)"#, "a++", "(?>a)", "a{1001}",
        #"\i"#, "(", "[a", "*a", "a**", "?\u{651}", "x(\u{301}",
    ])
    func refusals(pattern: String) {
        #expect(throws: TextPatternError.self) { try TextPattern(pattern) }
        #expect(throws: RegexSyntaxError.self) { try RE2Regex(pattern) }
    }

    @Test func refusalNamesThePatternAndReason() {
        #expect(throws: TextPatternError(pattern: "(?=x)", reason: "invalid perl operator: (?=")) {
            try TextPattern("(?=x)")
        }
        do {
            _ = try RE2Regex(#"(a)\1"#)
            Issue.record("a backreference compiled")
        } catch {
            #expect(error.description == #"'(a)\1' is not a valid RE2 regular expression: invalid escape sequence: \1"#)
        }
    }

    /// A pattern that backtracking engines take exponential time on is answered by RE2 in time linear in the text
    /// (the answer is asserted here; timing lives in the benchmarks).
    @Test func nestedRepetitionIsDecided() throws {
        let text = String(repeating: "a", count: 40) + "!"
        #expect(try TextPattern("^(a+)+$").matches(text) == false)
        #expect(try TextPattern("^(a+)+$").matches(String(repeating: "a", count: 40)))
        #expect(try TextPattern("(x+x+)+y").matches(String(repeating: "x", count: 5_000)) == false)
    }

    /// A pattern whose compiled program exceeds RE2's memory bound is a compile error, not an allocation.
    @Test func hugePatternIsRefused() {
        let pattern = String(repeating: "[a-z]{1000}", count: 1_000)
        let error = #expect(throws: RegexSyntaxError.self) { try RE2Regex(pattern) }
        #expect(error?.reason == "pattern too large - compile failed")
    }

    /// A pattern known only at evaluation time (a field after `=~`) is compiled on first use and cached; one that
    /// does not compile makes the expression an error.
    @Test func patternsKnownAtEvaluation() throws {
        let cache = PatternCache()
        let expression = try FilterExpression.parse("a =~ p")
        let matching = ExprEvaluator(
            parameters: ["a": .string("model-12"), "p": .string(#"^model-\d+$"#)], patterns: [:], dynamicPatterns: cache
        )
        #expect(try matching.evaluate(expression) == .bool(true))
        #expect(try cache.pattern(#"^model-\d+$"#) === cache.pattern(#"^model-\d+$"#))
        let refused = ExprEvaluator(
            parameters: ["a": .string("x"), "p": .string("(?=x)")], patterns: [:], dynamicPatterns: cache)
        let error = #expect(throws: ExprEvaluationError.self) { try refused.evaluate(expression) }
        #expect(error?.description == "'(?=x)' is not a valid regular expression: invalid perl operator: (?=")
    }

    /// The cache starts over when full.
    @Test func patternCacheIsBounded() throws {
        let cache = PatternCache()
        let first = try cache.pattern("a(b)")
        for index in 0..<PatternCache.capacity { _ = try cache.pattern("x\(index)(y)") }
        #expect(try cache.pattern("a(b)") !== first)
    }

    /// One compiled pattern matched from many tasks at once gives the same answers.
    @Test func concurrentMatches() async throws {
        let regex = try RE2Regex(#"^[a-z]+-\d+$"#)
        let answers = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask { regex.matches(index.isMultiple(of: 2) ? "sensor-\(index)" : "Sensor-\(index)") }
            }
            var answers: [Bool] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.filter { $0 }.count == 32)
    }

    /// The literal fast path answers as RE2 does: random patterns without metacharacters (anchored or not) and random
    /// texts over a small alphabet that includes a newline and a multi-byte character.
    @Test func literalsAgreeWithRE2() throws {
        let alphabet = ["a", "b", "é", "\n", " ", "-"]
        var random = PropertyTests.SplitMix64(state: 18)
        func word(maxLength: Int) -> String {
            let length = Int(random.next() % UInt64(maxLength + 1))
            return (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
        }
        for _ in 0..<2_000 {
            let anchors = random.next() % 4
            let pattern = (anchors & 1 == 0 ? "" : "^") + word(maxLength: 3) + (anchors & 2 == 0 ? "" : "$")
            let fast = try TextPattern(pattern)
            let regex = try RE2Regex(pattern)
            for _ in 0..<20 {
                let text = word(maxLength: 6)
                #expect(
                    fast.matches(text) == regex.matches(text), "\(pattern.debugDescription) on \(text.debugDescription)"
                )
            }
        }
    }
}
