import ConfigReader
import EventModel
import Testing

/// The reader rules every configuration file shares: Go durations, Go booleans, did-you-mean on unknown keys,
/// located errors.
struct ConfigReaderTests {
    @Test(arguments: [
        ("0", Duration.zero), ("500ms", .milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)),
        ("1h30m", .seconds(5400)), ("1m30s", .seconds(90)), ("168h", .seconds(168 * 3600)),
        ("1.5s", .milliseconds(1500)),
        ("250us", .microseconds(250)), ("250µs", .microseconds(250)), ("10ns", .nanoseconds(10)),
    ])
    func goDurations(text: String, expected: Duration) {
        #expect(GoDuration.parse(text) == expected)
    }

    @Test(arguments: ["", "soon", "10", "5 s", "1d", "-1s", "1h30", "s", ".s", "1..5s", "1.2.3s", "m5"])
    func malformedGoDurations(text: String) {
        #expect(GoDuration.parse(text) == nil)
    }

    /// A plain number is an error, seconds or nanoseconds, as the file says.
    @Test func bareNumbers() {
        #expect(GoDuration.parse("10", bareNumber: .rejected) == nil)
        #expect(GoDuration.parse("2.5", bareNumber: .seconds) == .milliseconds(2500))
        #expect(GoDuration.parse("1500", bareNumber: .nanoseconds) == .nanoseconds(1500))
        #expect(GoDuration.parse("1.5", bareNumber: .nanoseconds) == nil)
        #expect(GoDuration.parse("-1", bareNumber: .seconds) == nil)
        #expect(GoDuration.parse("1m", bareNumber: .seconds) == .seconds(60))
    }

    @Test(arguments: [
        ("1", true), ("t", true), ("T", true), ("true", true), ("True", true), ("TRUE", true),
        ("0", false), ("f", false), ("F", false), ("false", false), ("False", false), ("FALSE", false),
    ])
    func goBooleans(text: String, expected: Bool) {
        #expect(GoBool.parse(text) == expected)
    }

    @Test(arguments: ["yes", "no", "on", "off", "y", "", "tRUE", "2"])
    func notBooleans(text: String) {
        #expect(GoBool.parse(text) == nil)
    }

    @Test(arguments: [
        ("concurency", "concurrency"), ("strem", "stream"), ("fetchbatch", "fetchBatch"), ("retension", "retention"),
        ("drainTimout", "drainTimeout"), ("ulrs", "urls"),
    ])
    func didYouMean(typed: String, expected: String) {
        let known = ["concurrency", "stream", "fetchBatch", "retention", "drainTimeout", "urls", "requestTimeout"]
        #expect(KeySuggestion.closest(to: typed, among: known) == expected)
    }

    @Test(arguments: ["x", "totallyDifferent", "tls"])
    func noSuggestionWhenNothingIsClose(typed: String) {
        #expect(KeySuggestion.closest(to: typed, among: ["concurrency", "stream", "urls"]) == nil)
    }

    /// Unknown keys are reported at `file:line:col` with the key they are probably a typo of; booleans and durations
    /// follow the shared rules.
    @Test func fieldReaderReportsLocatedUnknownKeys() throws {
        let document = try #require(
            try YAMLTree.documents(of: "processing:\n  concurency: 8\n  enabled: 1\n  wait: 1h30m\n", file: "g.yaml")
                .first)
        var diagnostics = Diagnostics()
        var root = try #require(FieldReader(document, path: "", diagnostics: &diagnostics))
        var processing = try #require(root.mapping("processing", diagnostics: &diagnostics))
        _ = processing.integer("concurrency", diagnostics: &diagnostics)
        #expect(processing.bool("enabled", diagnostics: &diagnostics) == true)
        #expect(processing.duration("wait", diagnostics: &diagnostics) == .seconds(5400))
        processing.finish(diagnostics: &diagnostics, label: "unknown key")
        root.finish(diagnostics: &diagnostics, label: "unknown key")
        #expect(
            diagnostics.findings.map(\.description) == [
                "g.yaml:2:3: error: unknown key processing.concurency (did you mean 'concurrency'?)"
            ])
        #expect(throws: ConfigurationError.self) { try diagnostics.throwIfErrors() }
    }

    /// A YAML syntax error is located too.
    @Test func syntaxErrorsAreLocated() {
        #expect {
            _ = try YAMLTree.documents(of: "a: [1, 2\n", file: "f.yaml")
        } throws: { error in
            "\(error)".hasPrefix("f.yaml:") && "\(error)".contains(": error: invalid YAML")
        }
    }

    /// Values convert as YAML resolves them; quoted scalars stay strings.
    @Test func eventValues() throws {
        let document = try #require(
            try YAMLTree.documents(of: "{a: 1, b: '1', c: true, d: 1.5, e: ~, f: [x]}", file: "f.yaml").first)
        #expect(document["a"]?.eventValue == .int(1))
        #expect(document["b"]?.eventValue == .string("1"))
        #expect(document["c"]?.eventValue == .bool(true))
        #expect(document["d"]?.eventValue == .double(1.5))
        #expect(document["e"]?.eventValue == .null)
        #expect(document["f"]?.eventValue == .array([.string("x")]))
    }
}
