import EventModel
import Foundation
import LocalFiles
import RegexEngine
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// gjson paths, filter expressions, conditions, templates and cron: parsing, evaluation and the property tests
/// (random input never crashes a parser; printing and re-parsing gives the same tree).
struct LanguageTests {
    static let document = json(
        #"{"name":{"first":"Tom","last":"Anderson"},"age":37,"children":["Sara","Alex","Jack"],"fav.movie":"Deer Hunter","friends":[{"first":"Dale","last":"Murphy","age":44,"nets":["ig","fb","tw"]},{"first":"Roger","last":"Craig","age":68,"nets":["fb","tw"]},{"first":"Jane","last":"Murphy","age":47,"nets":["ig","tw"]}]}"#
    )

    /// The examples of gjson's README.
    @Test(arguments: [
        ("name.last", #""Anderson""#),
        ("age", "37"),
        ("children", #"["Sara","Alex","Jack"]"#),
        ("children.#", "3"),
        ("children.1", #""Alex""#),
        ("child*.2", #""Jack""#),
        ("c?ildren.0", #""Sara""#),
        (#"fav\.movie"#, #""Deer Hunter""#),
        ("friends.#.first", #"["Dale","Roger","Jane"]"#),
        ("friends.1.last", #""Craig""#),
        (#"friends.#(last=="Murphy").first"#, #""Dale""#),
        (#"friends.#(last=="Murphy")#.first"#, #"["Dale","Jane"]"#),
        ("friends.#(age>45)#.last", #"["Craig","Murphy"]"#),
        (#"friends.#(first%"D*").last"#, #""Murphy""#),
        (#"friends.#(first!%"D*").last"#, #""Craig""#),
        ("[name.first,age]", #"["Tom",37]"#),
        ("{name.first,age}", #"{"first":"Tom","age":37}"#),
    ])
    func gjsonPaths(path: String, expected: String) throws {
        let parsed = try GJSONPath(path)
        #expect(parsed.value(in: Self.document).map { JSONText.render($0) } == expected)
    }

    @Test(arguments: ["name.middle", "children.3", "children.-1", "friends.#(last==\"Nobody\").first", "age.x"])
    func missingPaths(path: String) throws {
        #expect(try GJSONPath(path).value(in: Self.document) == nil)
    }

    @Test(arguments: [
        "", "a..b", ".a", "a.", "a|b", "@reverse", "a.@this", "a,b", "friends.#(nets.#(==\"fb\"))", "[a,b", "#(a==)",
    ])
    func unsupportedPaths(path: String) {
        #expect(throws: PathSyntaxError.self) { try GJSONPath(path) }
    }

    @Test(arguments: [
        ("a == 1 && b != \"x\"", #"{"a":1,"b":"y"}"#, true),
        ("a + 2 * 3 == 7", #"{"a":1}"#, true),
        ("(a + 2) * 3 == 9", #"{"a":1}"#, true),
        ("2 ** 3 == a", #"{"a":8}"#, true),
        ("a in (\"x\", \"y\")", #"{"a":"y"}"#, true),
        ("!(a > 1) || b", #"{"a":5,"b":false}"#, false),
        ("a =~ \"^ab+c$\"", #"{"a":"abbbc"}"#, true),
        ("a > 1 ? b == \"big\" : b == \"small\"", #"{"a":5,"b":"big"}"#, true),
        ("s + \"-\" + n == \"x-3\"", #"{"s":"x","n":3}"#, true),
        ("-a < 0", #"{"a":2}"#, true),
        ("a < \"b\"", #"{"a":"a"}"#, true),
        ("[my field] == 1", #"{"f":1}"#, true),
    ])
    func expressions(source: String, fields: String, expected: Bool) throws {
        let expression = try FilterExpression.parse(source)
        let parameters = (json(fields).mapValue ?? [:]).reduce(into: [String: ExprValue]()) {
            $0[$1.key == "f" ? "my field" : $1.key] = ExprValue($1.value)
        }
        let evaluator = ExprEvaluator(parameters: parameters, patterns: [:], dynamicPatterns: PatternCache())
        #expect(try evaluator.evaluate(expression) == .bool(expected))
    }

    @Test(arguments: ["a ==", "a === b", "a & b", "a | b", "f(x)", "\"open", "(a", "a b", "a ?? b", "= 1", ""])
    func badExpressions(source: String) {
        #expect(throws: ExpressionSyntaxError.self) { try FilterExpression.parse(source) }
    }

    @Test func expressionTypeErrors() throws {
        let evaluator = ExprEvaluator(parameters: ["a": .string("x")], patterns: [:], dynamicPatterns: PatternCache())
        #expect(throws: ExprEvaluationError.self) { try evaluator.evaluate(try FilterExpression.parse("a > 1")) }
        #expect(throws: ExprEvaluationError.self) { try evaluator.evaluate(try FilterExpression.parse("b == 1")) }
        #expect(throws: ExprEvaluationError.self) { try evaluator.evaluate(try FilterExpression.parse("a && true")) }
    }

    @Test(arguments: [
        ("a", "a"), ("a&&b", "a && b"), ("(a || b) && c", "(a || b) && c"), ("a || b && c", "a || b && c"),
        ("!(a || b)", "!(a || b)"), ("((dep-1))", "dep-1"), ("a && (b && c)", "a && (b && c)"),
    ])
    func conditionsPrint(source: String, printed: String) throws {
        #expect(try ConditionExpression.parse(source).description == printed)
    }

    @Test(arguments: [
        ("a && b", ["a"], false), ("a && b", ["a", "b"], true), ("(a && b) || c", ["c"], true),
        ("a && !b", ["a"], true),
    ])
    func conditionsHold(source: String, satisfied: [String], expected: Bool) throws {
        #expect(try ConditionExpression.parse(source).holds(satisfied: Set(satisfied)) == expected)
    }

    @Test(arguments: ["", "a &&", "&& a", "a & b", "a || (b", "a b", "a != b", "a @ b"])
    func badConditions(source: String) {
        #expect(throws: ExpressionSyntaxError.self) { try ConditionExpression.parse(source) }
    }

    /// The supported template subset.
    @Test(arguments: [
        ("{{ .Input.body.name }}", "Ada"),
        ("{{ .Input.body.name | upper }}", "ADA"),
        ("{{ upper .Input.body.name }}", "ADA"),
        ("{{ .Input.body.name | lower | quote }}", #""ada""#),
        ("{{ .Input.body.missing | default \"none\" }}", "none"),
        ("{{ .Input.body.missing }}", "<no value>"),
        ("{{ .Input.body | toJson }}", #"{"n":3,"name":"Ada","tags":["x","y"]}"#),
        ("{{ .Input.body.name | b64enc }}", "QWRh"),
        ("{{ \"QWRh\" | b64dec }}", "Ada"),
        ("id-{{ .Input.body.n }}-{{ .Input.body.tags }}", "id-3-[x y]"),
        ("{{ .Input.body.name | replace \"a\" \"o\" | title }}", "Ado"),
        ("{{- \"  x  \" | trim -}}  ", "x"),
        ("{{ .Input.body.name | squote }}", "'Ada'"),
        ("{{ .Input.body.name | nospace | trimSuffix \"a\" }}", "Ad"),
        ("{{/* comment */}}done", "done"),
        ("{{ default \"d\" (.Input.body.missing) }}", "d"),
        ("{{ index .Input.body \"name\" }}", "Ada"),
        ("{{ index .Input.body.tags 1 }}", "y"),
        ("{{ printf \"%s-%d-%q%%\" .Input.body.name .Input.body.n \"x\" }}", #"Ada-3-"x"%"#),
    ])
    func templates(source: String, expected: String) throws {
        let template = try GoTemplate(source)
        #expect(try template.render(input: json(#"{"body":{"name":"Ada","n":3,"tags":["x","y"]}}"#)) == expected)
    }

    @Test(arguments: [
        "{{ if .Input }}x", "{{ $x = 1 }}", "{{ nope .Input }}", "{{ .Input", "{{ }}", "{{ .Input | call }}",
    ])
    func unsupportedTemplates(source: String) {
        #expect(throws: TemplateError.self) { try GoTemplate(source) }
    }

    @Test func templateFieldOfMissing() throws {
        #expect(throws: TemplateError.self) { try GoTemplate("{{ .Input.a.b }}").render(input: json("{}")) }
    }

    @Test(arguments: [
        ("59 23 * * *", "UTC", "2024-07-16T10:00:00Z", "2024-07-15T23:59:00Z", "2024-07-16T23:59:00Z"),
        ("0 0 * * *", "America/Los_Angeles", "2024-07-16T10:00:00Z", "2024-07-16T07:00:00Z", "2024-07-17T07:00:00Z"),
        ("*/15 9-17 * * MON-FRI", "UTC", "2024-07-13T12:00:00Z", "2024-07-12T17:45:00Z", "2024-07-15T09:00:00Z"),
        ("0 12 1 JAN *", "UTC", "2024-07-13T12:00:00Z", "2024-01-01T12:00:00Z", "2025-01-01T12:00:00Z"),
        ("@hourly", "UTC", "2024-07-13T12:30:00Z", "2024-07-13T12:00:00Z", "2024-07-13T13:00:00Z"),
        ("0 0 13 * 5", "UTC", "2024-09-14T00:00:00Z", "2024-09-13T00:00:00Z", "2024-09-20T00:00:00Z"),
    ])
    func cron(expression: String, zone: String, now: String, previous: String, next: String) throws {
        let schedule = try CronSchedule(expression, zone: try #require(ZoneRule(identifier: zone)))
        let instant = try #require(EventTimestamp(rfc3339: now))
        #expect(schedule.previousTick(atOrBefore: instant)?.rfc3339 == previous)
        #expect(schedule.nextTick(after: instant)?.rfc3339 == next)
    }

    @Test(arguments: [
        "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *",
        "@every 1h", "a * * * *",
    ])
    func badCron(expression: String) {
        #expect(throws: CronSyntaxError.self) { try CronSchedule(expression) }
    }

    @Test(arguments: [("10:00:00", 36_000), ("9:05:01", 32_701), ("23:59:59", 86_399)])
    func timesOfDay(text: String, seconds: Int) {
        #expect(TimeOfDay(text)?.secondsSinceMidnight == seconds)
    }

    @Test(arguments: ["10:10", "09:09:0", "24:00:00", "10:60:00", "aa:bb:cc", "", "1:2:3"])
    func badTimesOfDay(text: String) {
        #expect(TimeOfDay(text) == nil)
    }
}

/// Random input for the parsers, from a fixed seed so a failure reproduces.
struct PropertyTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomText(_ alphabet: [Character], maxLength: Int, using random: inout SplitMix64) -> String {
        let length = Int.random(in: 0...maxLength, using: &random)
        return String((0..<length).map { _ in alphabet.randomElement(using: &random) ?? "a" })
    }

    static let pathAlphabet = Array("ab0 1.#*?\\()[]{},=!<>%\"|@-_é")
    static let expressionAlphabet = Array("ab1 2.()!&|=<>~+-*/%?:,\"'[]intruefalse")
    static let templateAlphabet = Array("{}.| ab\"()-/*$upperdefault")

    @Test func pathParserNeverCrashesAndRoundTrips() {
        var random = SplitMix64(state: 1)
        var parsedCount = 0
        for _ in 0..<20_000 {
            let text = Self.randomText(Self.pathAlphabet, maxLength: 16, using: &random)
            guard let path = try? GJSONPath(text) else { continue }
            parsedCount += 1
            let reparsed = try? GJSONPath(path.description)
            #expect(reparsed == path, "'\(text)' printed as '\(path.description)'")
            _ = path.value(in: LanguageTests.document)
        }
        #expect(parsedCount > 500)
    }

    @Test func expressionParserNeverCrashes() {
        var random = SplitMix64(state: 2)
        for _ in 0..<20_000 {
            let text = Self.randomText(Self.expressionAlphabet, maxLength: 24, using: &random)
            if let expression = try? FilterExpression.parse(text) {
                #expect(
                    (try? FilterExpression.parse(expression.description)) == expression,
                    "'\(text)' printed as '\(expression)'")
            }
            if let condition = try? ConditionExpression.parse(text) {
                #expect(
                    (try? ConditionExpression.parse(condition.description)) == condition,
                    "'\(text)' printed as '\(condition)'")
            }
        }
    }

    @Test func templateParserNeverCrashes() {
        var random = SplitMix64(state: 3)
        for _ in 0..<10_000 {
            let text = Self.randomText(Self.templateAlphabet, maxLength: 24, using: &random)
            if let template = try? GoTemplate(text) { _ = try? template.render(input: LanguageTests.document) }
        }
    }

    /// Control flow, variables and functions in random order: an error or an output, never a trap.
    @Test func templateControlFlowNeverCrashes() {
        let tokens = [
            "{{ ", " }}", "{{- ", " -}}", "if ", "else ", "end", "range ", "with ", "$x", "$", " := ", " = ", ", ",
            ".Input", ".Input.a", ".", "(", ")", " | ", "1", "-2", "1.5", "\"s\"", "'c'", "`r`", "eq ", "lt ", "and ",
            "or ", "not ", "len ", "index ", "printf ", "\"%d%s\" ", "list ", "dict ", "set ", "toDate ", "date ",
            "nil", "true", "/* c */", "text", "\n",
        ]
        var random = SplitMix64(state: 5)
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 16) { text += tokens[Int(random.next() % UInt64(tokens.count))] }
            if let template = try? GoTemplate(text) { _ = try? template.render(input: LanguageTests.document) }
        }
    }

    static func randomExpression(depth: Int, using random: inout SplitMix64) -> FilterExpression {
        let leaf = depth == 0 || Int.random(in: 0..<3, using: &random) == 0
        if leaf {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: return .number(Double(Int.random(in: 0...1000, using: &random)) / 4)
            case 1: return .string(["", "a\"b", "x y", "\\"].randomElement(using: &random) ?? "")
            case 2: return .bool(Bool.random(using: &random))
            default: return .variable(["a", "b.c", "my field", "in2"].randomElement(using: &random) ?? "a")
            }
        }
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return .not(randomExpression(depth: depth - 1, using: &random))
        case 1: return .negate(randomExpression(depth: depth - 1, using: &random))
        case 2:
            return .conditional(
                randomExpression(depth: depth - 1, using: &random),
                then: randomExpression(depth: depth - 1, using: &random),
                else: randomExpression(depth: depth - 1, using: &random))
        case 3:
            return .array([
                randomExpression(depth: depth - 1, using: &random), randomExpression(depth: depth - 1, using: &random),
            ])
        default:
            let op = FilterExpression.BinaryOperator.allCases.randomElement(using: &random) ?? .and
            return .binary(
                op, randomExpression(depth: depth - 1, using: &random),
                randomExpression(depth: depth - 1, using: &random))
        }
    }

    static func randomCondition(depth: Int, using random: inout SplitMix64) -> ConditionExpression {
        if depth == 0 || Int.random(in: 0..<3, using: &random) == 0 {
            return .dependency(["a", "dep-1", "dep_2", "x.y"].randomElement(using: &random) ?? "a")
        }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return .not(randomCondition(depth: depth - 1, using: &random))
        case 1:
            return .and(
                randomCondition(depth: depth - 1, using: &random), randomCondition(depth: depth - 1, using: &random))
        default:
            return .or(
                randomCondition(depth: depth - 1, using: &random), randomCondition(depth: depth - 1, using: &random))
        }
    }

    @Test func printedTreesParseBack() throws {
        var random = SplitMix64(state: 4)
        for _ in 0..<5_000 {
            let expression = Self.randomExpression(depth: 4, using: &random)
            #expect(try FilterExpression.parse(expression.description) == expression, "\(expression)")
            let condition = Self.randomCondition(depth: 5, using: &random)
            #expect(try ConditionExpression.parse(condition.description) == condition, "\(condition)")
        }
    }
}

/// Regular expressions as Go's `regexp.MatchString` uses them, literal fast path included (more in RegexTests.swift).
struct TextPatternTests {
    @Test(arguments: [
        ("v", "v", true), ("v", "xvx", true), ("v", "", false), ("", "anything", true),
        ("^main$", "main", true), ("^main$", "mainline", false), ("^refs/", "refs/heads/x", true),
        ("^refs/", "x/refs/", false),
        ("world$", "hello world", true), ("world$", "world!", false), ("hello, world", "say hello, world!", true),
        ("^(staging|production)$", "staging", true), ("^(staging|production)$", "stagingx", false),
        ("\\bv\\b.*\\bv2\\b", #"["v","v2"]"#, true), ("(?i)HELLO", "hello", true), ("héllo", "say héllo", true),
        ("a.c", "abc", true), ("a.c", "ac", false), ("abc$", "abc\n", false),
        // Literals joined by `.*` (matched without the regex engine): `.` matches no newline, `$` only at the end.
        ("^sensor-.*$", "sensor-7", true), ("^sensor-.*$", "sensor-", true), ("^sensor-.*$", "xsensor-7", false),
        ("^sensor-.*$", "sensor-7\nx", false), ("^sensor-.*$", "sensor-7\n", false),
        ("^refs/.*/main$", "refs/x/main", true),
        ("^refs/.*/main$", "refs/main", false), ("^refs/.*/main$", "refs/a/b/main", true), ("a.*b", "xx\nab", true),
        ("a.*b", "a\nb", false), ("^a.*", "ab\nc", true), ("^a.*", "b\nab", false), (".*b$", "a\nab", true),
        (".*b$", "ab\na", false), ("^.*$", "", true), ("^.*$", "a\nb", false), ("a.*b.*c", "abxc", true),
        ("a.*b.*c", "acb", false), ("^é.*ü$", "éaü", true), ("^a\r\n.*b$", "a\r\nxb", true),
    ])
    func matches(pattern: String, text: String, expected: Bool) throws {
        #expect(try TextPattern(pattern).matches(text) == expected)
    }

    /// The `.*` fast path answers as RE2 does, over every pattern of up to three pieces from a small alphabet and
    /// every text of up to five characters from it, newlines included (`.` matches none, `$` matches only at the
    /// very end).
    @Test func piecesAgreeWithRE2() throws {
        let pieces = ["", "a", "b", "ab", "ba"]
        var patterns: [String] = []
        for first in pieces {
            for second in pieces {
                for third in [nil] + pieces.map(Optional.some) {
                    let body = [first, second] + (third.map { [$0] } ?? [])
                    for (start, end) in [("", ""), ("^", ""), ("", "$"), ("^", "$")] {
                        patterns.append(start + body.joined(separator: ".*") + end)
                    }
                }
            }
        }
        var texts: [String] = [""]
        var frontier: [String] = [""]
        for _ in 0..<5 {
            frontier = frontier.flatMap { text in ["a", "b", "\n"].map { text + $0 } }
            texts += frontier
        }
        for pattern in patterns {
            let fast = try TextPattern(pattern)
            let regex = try RE2Regex(pattern)
            for text in texts {
                let expected = regex.matches(text)
                #expect(fast.matches(text) == expected, "\(pattern) on \(text.debugDescription)")
            }
        }
    }
}

/// Values at the edges of their ranges give errors or answers, never a trap.
struct ExtremeValueTests {
    @Test func templateNumbersOutOfRange() throws {
        let input = json(#"{"n":1e300,"s":"abc","list":["a"]}"#)
        #expect(throws: TemplateError.self) { try GoTemplate("{{ trunc .Input.n .Input.s }}").render(input: input) }
        #expect(throws: TemplateError.self) { try GoTemplate("{{ repeat .Input.n .Input.s }}").render(input: input) }
        #expect(throws: TemplateError.self) { try GoTemplate("{{ index .Input.list .Input.n }}").render(input: input) }
        #expect(try GoTemplate("{{ substr 0 .Input.n .Input.s }}").render(input: input) == "abc")
        #expect(try GoTemplate(#"{{ printf "%d" .Input.n }}"#).render(input: input).hasPrefix("%!d("))
    }

    @Test func destinationIndexLimit() {
        #expect(throws: PathSyntaxError.self) { try SetPath("items.99999999999") }
        #expect((try? SetPath("items.10000")) != nil)
    }

    /// A 09:00–17:00 Tokyo window at the ends of the timestamp range gives a verdict on the instant's wall-clock
    /// time (UTC where the zone's offset would overflow) and no error, as `explain` shows it; the midnight reset
    /// finds its previous tick near 1970 and none far beyond the calendar's range.
    @Test(arguments: [
        // 1970-01-01T00:00:00Z is 09:00:00 in Tokyo: start is inclusive; the reset ran at Tokyo midnight.
        (Int64(0), true, Int64(-32_400) as Int64?),
        // 08:00:00Z is 17:00:00 in Tokyo: stop is exclusive.
        (28_800, false, -32_400),
        // 15:30:07 UTC (adding Tokyo's offset would overflow).
        (Int64.max, true, nil),
        // 08:29:52 UTC, past 17:00 in Tokyo.
        (Int64.min, false, nil),
    ])
    func timeFilterAtTheEdges(seconds: Int64, passes: Bool, previousReset: Int64?) throws {
        let (sensor, findings) = loadSensor(
            sensorText(filters: #"{"time": {"start": "09:00:00", "stop": "17:00:00", "timezone": "Asia/Tokyo"}}"#))
        let loaded = try #require(sensor, "\(findings)")
        var event = makeEvent()
        event.time = EventTimestamp(seconds: seconds)
        let explanation = Explainer.explain(sensors: [loaded], events: [event], subject: nil, subjectPrefix: "events")
        let trigger = try #require(explanation.first?.triggers.first)
        #expect(trigger.fires == passes)
        #expect(trigger.matches.map(\.errors) == [[]])
        let check = try #require(trigger.filters.first?.check)
        #expect(check.kind == "time")
        #expect(check.filter == "09:00:00-17:00:00 Asia/Tokyo")
        #expect(check.passed == passes)
        #expect(check.error == nil)
        #expect(check.observed == .timestamp(EventTimestamp(seconds: seconds)))
        #expect(
            Explainer.text(explanation).contains(
                "      time 09:00:00-17:00:00 Asia/Tokyo: \(passes ? "passed" : "failed") (saw \""))
        let schedule = try CronSchedule("0 0 * * *", zone: try #require(ZoneRule(identifier: "Asia/Tokyo")))
        #expect(schedule.previousTick(atOrBefore: EventTimestamp(seconds: seconds))?.seconds == previousReset)
    }
}

/// The loader on damaged sensors: random edits of the example sensors give findings, never a crash.
struct LoaderRobustnessTests {
    @Test func mutatedSensorsNeverCrash() throws {
        let directory = Repository.root + "/config/sensors"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
            .sorted()
        let texts = try names.map { Array(try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) }
        var random = PropertyTests.SplitMix64(state: 5)
        let inserts = Array(":-[]{}\"'#&*!|>%@ \n\tabc01")
        var loaded = 0
        for _ in 0..<1_500 {
            guard var text = texts.randomElement(using: &random), !text.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let position = Int.random(in: 0..<text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text.remove(at: position)
                case 1: text.insert(inserts.randomElement(using: &random) ?? " ", at: position)
                default: text[position] = inserts.randomElement(using: &random) ?? " "
                }
            }
            let catalog = SensorLoader.load(text: String(text), file: "mutated.yaml")
            loaded += catalog.sensors.count
            // Nothing is lost silently: a file that loads no sensor says why, and an error never lets one through.
            if catalog.sensors.isEmpty { #expect(!catalog.findings.isEmpty, "\(String(text))") }
            if !catalog.isValid { #expect(catalog.sensors.isEmpty, "\(catalog.findings)") }
            // Every finding points into the text it is about.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for finding in catalog.findings {
                #expect(finding.location.file == "mutated.yaml")
                #expect((1...lines).contains(finding.location.line) && finding.location.column >= 1, "\(finding)")
            }
            for sensor in catalog.sensors {
                _ = Explainer.explain(
                    sensors: [sensor], events: [makeEvent(data: json(#"{"body":{"a":1}}"#))], subject: nil,
                    subjectPrefix: "events")
            }
        }
        #expect(loaded > 100)
    }
}
