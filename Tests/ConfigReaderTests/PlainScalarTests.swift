import Testing
import Yams

@testable import ConfigReader

/// Untagged plain scalars get the YAML 1.1 type Yams' default resolver gives them, without its regular expressions.
struct PlainScalarTests {
    /// The type Yams' default resolver gives `text`, as the configuration reader uses it.
    static func yamsType(_ text: String) -> YAMLTree.ScalarType {
        switch Node(text).tag.rawValue {
        case Tag.Name.bool.rawValue: .bool
        case Tag.Name.int.rawValue: .int
        case Tag.Name.float.rawValue: .float
        case Tag.Name.null.rawValue: .null
        default: .string
        }
    }

    @Test(arguments: [
        "", "~", "null", "Null", "NULL", "nULL", "yes", "No", "ON", "off", "y", "n", "TrUe", "0", "-0", "+7", "007",
        "09", "0_", "0b101", "-0b", "0b2", "0o17", "0o8", "0x1F", "0xg", "0x", "1_000", "1:20", "-1:20:30", "1:60",
        "1:75", "190:20:30.15", "1:2.", "1.", ".5", "+.5", ".5e+3", ".5e3", "1e5", "1.e5", "1e", "1e+", "1.5E-3",
        ".inf", "-.Inf", "+.INF", ".NaN", "-.nan", ".nAn", "_1", "1__", "3.14.15", "<<", "=", "2026-12-05", "0.1_2",
        "refs/heads/main", "12345678901234567890",
    ])
    func matchesYamsDefaultResolver(text: String) {
        #expect(PlainScalar.type(of: text) == Self.yamsType(text), "\(text)")
    }

    /// Random strings over the characters the rules look at.
    @Test func matchesYamsOnRandomScalars() {
        let alphabet = Array("0123456789+-._:eExXbBoOafFinNItTyYsSlLuU~")
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...7, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "0" })
            if PlainScalar.type(of: text) != Self.yamsType(text) { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    /// An explicit tag wins over the text; quoted and block scalars are strings.
    @Test func explicitTagsAndQuotedScalars() throws {
        let documents = try YAMLTree.documents(
            of: "a: !!str 3\nb: !!int '4'\nc: '5'\nd: 6\ne: |\n  7\nf: !!float 8\ng: true\nh: ~\n", file: "t.yaml")
        let tree = try #require(documents.first)
        func type(_ key: String) -> YAMLTree.ScalarType? {
            guard case .scalar(_, let type)? = tree[key]?.kind else { return nil }
            return type
        }
        #expect(type("a") == .string)
        #expect(type("b") == .string, "quoted wins, as before")
        #expect(type("c") == .string)
        #expect(type("d") == .int)
        #expect(type("e") == .string)
        #expect(type("f") == .float)
        #expect(type("g") == .bool)
        #expect(type("h") == .null)
    }
}
