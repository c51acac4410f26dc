import ConfigReader
import EventModel
import SensorTesting
import Testing

/// `YAMLTree.documents(of:file:)` types plain scalars itself; Yams' default resolver (regular expressions) is the
/// reference: the trees, and the errors, must be the same.
struct ScalarTypingTests {
    /// The tree or the error, with every scalar's type and every location.
    static func outcome(_ parse: () throws -> [YAMLTree]) -> String {
        do {
            return try parse().map(describe).joined(separator: "\n---\n")
        } catch {
            return "error: \(error)"
        }
    }

    static func describe(_ tree: YAMLTree) -> String {
        let at = "@\(tree.location.line):\(tree.location.column)"
        switch tree.kind {
        case .scalar(let text, let type):
            return "\(type)(\(text.debugDescription))\(tree.isLiteralBlock ? "|" : "")\(at)"
        case .mapping(let entries):
            let body = entries.map { entry in
                "\(entry.key.debugDescription)@\(entry.keyLocation.line):\(entry.keyLocation.column): "
                    + describe(entry.value)
            }
            return "{\(body.joined(separator: ", "))}\(at)"
        case .sequence(let elements):
            return "[\(elements.map(describe).joined(separator: ", "))]\(at)"
        }
    }

    @discardableResult
    static func expectSameAsYams(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
        let typed = outcome { try YAMLTree.documents(of: text, file: "f.yaml") }
        let reference = outcome { try YAMLTree.documentsResolvedByYams(of: text, file: "f.yaml") }
        #expect(typed == reference, "\(text.debugDescription)", sourceLocation: sourceLocation)
        return typed
    }

    /// Texts next to the edges of YAML 1.1's bool, int, float and null patterns.
    static let edges = [
        "", "0", "00", "07", "08", "0o7", "0o8", "0o", "0b", "0b101", "0b2", "0x", "0x1F", "0xg", "0_", "+0", "-0",
        "1_000", "_1", "1__", "1:30", "1:60", "1:5:9", "12:345", "0:30", "190:20:30.15", "1:5.", "-1:30.5", ".inf",
        "-.inf", "+.Inf", ".INF", ".nan", "-.nan", ".NaN", ".5", "._", ".5e+3", ".5e3", "1e5", "1E+5", "1e", "1.",
        "1.e5", "-1.5e-3", "+", "-", "e5", ".", "yes", "Yes", "yES", "y", "n", "on", "On", "OFF", "oFF", "true",
        "TRUE", "tRUE", "~", "null", "Null", "NULL", "nULL", "=", "<<x", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
        "value", "sensor-a", "^sensor-.*$", "a b", "1 2", "１２", "ｙｅｓ", "1.5€",
    ]

    @Test func plainScalarsAreTypedAsYamsDefaultResolverTypesThem() {
        for text in Self.edges {
            Self.expectSameAsYams("v: \(text)\n")
            Self.expectSameAsYams("- \(text)\n- [\(text)]\n")
        }
        // Every text of up to three characters over the patterns' alphabet, and random longer ones (a fixed seed).
        let alphabet = Array("0159_:.+-eExbo")
        var texts = [""]
        for _ in 0..<3 { texts += texts.flatMap { text in alphabet.map { text + String($0) } } }
        var generator = SeededRandom(seed: 7)
        let wide = Array("0123456789_:.+-eEbxoaAfFinINnulNUL~yYsS")
        for _ in 0..<3000 {
            let count = Int.random(in: 4...12, using: &generator)
            texts.append(String((0..<count).map { _ in wide.randomElement(using: &generator) ?? "0" }))
        }
        for text in Set(texts).sorted() { Self.expectSameAsYams("v: \(text)\n") }
    }

    @Test func theTypesAreTheOnesAUserExpects() throws {
        let tree = try #require(
            try YAMLTree.documents(of: "{a: 0x1F, b: 1:30, c: .5, d: Off, e: ~, f: 2001-12-14, g: '7'}", file: "f.yaml")
                .first)
        #expect(tree["a"]?.eventValue == .int(31))
        #expect(tree["b"].map(Self.describe)?.hasPrefix("int(") == true)
        #expect(tree["c"]?.eventValue == .double(0.5))
        #expect(tree["d"]?.eventValue == .bool(false))
        #expect(tree["e"]?.isNull == true)
        #expect(tree["f"]?.eventValue == .string("2001-12-14"))
        #expect(tree["g"]?.eventValue == .string("7"))
    }

    /// Explicit tags decide over the text, as with the default resolver.
    @Test func explicitTags() {
        let typed = Self.expectSameAsYams(
            "a: !!str 1\nb: !!int '7'\nc: ! 5\nd: !!float 1\ne: !custom x\nf: !!null ''\n")
        #expect(typed.contains(#""a"@1:1: string("1")"#))
        #expect(typed.contains(#""b"@2:1: string("7")"#))
        #expect(typed.contains(#""c"@3:1: string("5")"#))
        #expect(typed.contains(#""d"@4:1: float("1")"#))
    }

    /// Keys with the same text are the same key to Yams only when their types match too: `1` and `'1'` are two
    /// keys, `1` and `!!int 1` a duplicate.
    @Test func keysOfTheSameTextAreToldApartByType() {
        let twoKeys = Self.expectSameAsYams("1: a\n'1': b\n")
        #expect(twoKeys.hasPrefix(#"{"1"@1:1: string("a")@1:4, "1"@2:1"#))
        #expect(Self.expectSameAsYams("1: a\n!!int 1: b\n").contains("duplicate keys 1"))
        #expect(Self.expectSameAsYams("null: a\n~: b\n").hasPrefix("{"))
        #expect(Self.expectSameAsYams("a: 1\nb: {x: 1, x: 2}\n").contains("duplicate keys x"))
        #expect(Self.expectSameAsYams("true: 1\n'true': 2\nTrue: 3\n").hasPrefix("{"))
        let large = (0..<40).map { "\($0): x" }.joined(separator: "\n")
        #expect(Self.expectSameAsYams(large + "\n'3': y\n").hasPrefix("{"))
        #expect(Self.expectSameAsYams(large + "\n3: y\n").contains("duplicate keys 3"))
    }

    /// Errors found after the first parse are the default resolver's, in its order.
    @Test func errorsAreTheDefaultResolversErrors() {
        #expect(Self.expectSameAsYams("<<: {a: 1}\nb: {1: x, !!int 1: y}\n").contains("duplicate keys"))
        #expect(Self.expectSameAsYams("a: *x\n").contains("undefined alias"))
        #expect(Self.expectSameAsYams("a: &x 1\nb: *x\n").hasPrefix("{"))
        #expect(Self.expectSameAsYams("a: [1, 2\n").contains("invalid YAML"))
        #expect(Self.expectSameAsYams("a: 1\n---\n{b: 1, b: 2}\n").contains("duplicate keys b"))
        #expect(Self.expectSameAsYams("? [a]\n: 1\n").contains("mapping keys must be scalars"))
    }

    /// Text that is not printable ASCII (a tab, other scripts) is typed by Yams' own patterns.
    @Test func textBeyondPrintableASCII() {
        Self.expectSameAsYams("a: 2001-12-14\t21:59:43.10\nb: 1\t2\nc: ｔｒｕｅ\nd: ٣\ne: 1.5€\n")
    }
}
