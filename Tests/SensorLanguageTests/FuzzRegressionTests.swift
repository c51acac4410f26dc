import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// Inputs the fuzzers (`make fuzz`) found, kept as plain tests; each input is also in `Fuzz/corpus/<target>/`.
struct FuzzRegressionTests {
    /// FuzzExpression: a string literal with a control character rendered as JSON's `\u0000`, which the expression
    /// lexer (no `\u` escape) read back as `u0000`, so the canonical text parsed to another tree.
    @Test(arguments: [
        "s =~ '^a.*\u{0}x$'", "s == \"\u{1}\u{7f}\u{1b}[0m\"", "s == 'a\\\\u0000b'", "s == 'tab\there\nnl\r'",
    ])
    func controlCharactersSurviveTheCanonicalText(_ text: String) throws {
        let parsed = try FilterExpression.parse(text)
        let again = try FilterExpression.parse(parsed.description)
        #expect(again == parsed, "\(parsed.description.debugDescription)")
    }

    /// The literal keeps its scalars: NUL stays NUL, and a backslash-u in the source stays two characters.
    @Test func literalValuesAreUnchanged() throws {
        #expect(try FilterExpression.parse("s == '\u{0}'") == .binary(.equal, .variable("s"), .string("\u{0}")))
        #expect(try FilterExpression.parse(#"s == '\\u0041'"#) == .binary(.equal, .variable("s"), .string(#"\u0041"#)))
    }
}
