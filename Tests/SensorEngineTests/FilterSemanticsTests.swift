import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The filter cases of the semantics reference (section d), restated from Argo Events' own tests.
struct FilterSemanticsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let number: String
        let data: String?
        let filters: String
        var operation = ""
        var time = "2024-07-15T16:36:34Z"
        var source = "webhook-gateway"
        var type = "webhook"
        let passes: Bool
        var error: String? = nil
        var testDescription: String { "case \(number)" }
    }

    static let cases: [Case] = [
        Case(
            number: "1", data: nil, filters: #"{"data": [{"path": "k", "type": "string", "value": ["v"]}]}"#,
            passes: true),
        Case(
            number: "4", data: #"{"k":"v"}"#, filters: #"{"data": [{"path": "k", "type": "string", "value": ["v"]}]}"#,
            passes: true),
        Case(
            number: "4=", data: #"{"k":"v"}"#,
            filters: #"{"data": [{"path": "k", "type": "string", "value": ["v"], "comparator": "="}]}"#, passes: true),
        Case(
            number: "5", data: #"{"k":"v"}"#,
            filters: #"{"data": [{"path": "k", "type": "string", "value": ["b"], "comparator": "!="}]}"#, passes: true),
        Case(
            number: "6", data: #"{"k":"1.0"}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"]}]}"#, passes: true),
        Case(
            number: "7a", data: #"{"k":"2.0"}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"], "comparator": ">"}]}"#, passes: true),
        Case(
            number: "7b", data: #"{"k":2.0}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"], "comparator": ">"}]}"#, passes: true),
        Case(
            number: "7c", data: #"{"k":"2.0"}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"], "comparator": "<="}]}"#,
            passes: false),
        Case(
            number: "7d", data: #"{"k":2.0}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"], "comparator": "<="}]}"#,
            passes: false),
        Case(
            number: "8a", data: #"{"k":1.0}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"], "comparator": "!="}]}"#,
            passes: false),
        Case(
            number: "8b", data: #"{"k":"1.0"}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["1.0"], "comparator": "!="}]}"#,
            passes: false),
        Case(
            number: "9", data: #"{"k":10.0}"#,
            filters: #"{"data": [{"path": "k", "type": "number", "value": ["10.0"]}]}"#, passes: true),
        Case(
            number: "10", data: #"{"k":true,"k1":{"k":3.14,"k2":"hello, world"}}"#,
            filters:
                #"{"data": [{"path": "k", "type": "string", "value": ["v"]}, {"path": "k1.k", "type": "number", "value": ["2.14"]}, {"path": "k1.k2", "type": "string", "value": ["hello,world", "hello there"]}]}"#,
            passes: false),
        Case(
            number: "11", data: #"{"k":true,"k1":{"k":3.14,"k2":"hello, world"}}"#,
            filters:
                #"{"dataLogicalOperator": "and", "data": [{"path": "k", "type": "bool", "value": ["true"]}, {"path": "k1.k", "type": "number", "value": ["3.14"]}, {"path": "k1.k2", "type": "string", "value": ["hello,world", "hello, world", "hello there"]}]}"#,
            passes: true),
        Case(
            number: "12", data: #"{"k":true,"k1":{"k":3.14,"k2":"hello, world"}}"#,
            filters:
                #"{"dataLogicalOperator": "or", "data": [{"path": "k", "type": "bool", "value": ["false"]}, {"path": "k1.k", "type": "number", "value": ["3.14"]}, {"path": "k1.k2", "type": "string", "value": ["hello,world"]}]}"#,
            passes: true),
        Case(
            number: "13", data: #"{"k":"v","k1":{"a":[{"k2":"v2"}]}}"#,
            filters:
                #"{"data": [{"path": "[k,k1.a.#(k2==\"v2\").k2]", "type": "string", "value": ["\\bv\\b.*\\bv2\\b"]}]}"#,
            passes: true),
        Case(
            number: "14", data: #"{"k":"aGVsbG8gd29ybGQ="}"#,
            filters:
                #"{"data": [{"path": "k", "type": "string", "value": ["HELLO WORLD"], "template": "{{ b64dec .Input | upper }}"}]}"#,
            passes: true),
        Case(
            number: "15", data: #"{"k":"My4xNA=="}"#,
            filters:
                #"{"data": [{"path": "k", "type": "number", "value": ["3.13"], "comparator": ">", "template": "{{ b64dec .Input }}"}]}"#,
            passes: true),
        Case(
            number: "16", data: #"{"k":"aGVsbG8gd29ybGQ="}"#,
            filters:
                #"{"data": [{"path": "k", "type": "string", "value": ["world$"], "template": "{{ b64dec .Input }}"}]}"#,
            passes: true),
        Case(
            number: "17a", data: #"{"a":"b"}"#,
            filters: #"{"exprs": [{"expr": "a == \"b\"", "fields": [{"name": "a", "path": "a"}]}]}"#, passes: true),
        Case(
            number: "17b", data: #"{"a":"c"}"#,
            filters: #"{"exprs": [{"expr": "a != \"b\"", "fields": [{"name": "a", "path": "a"}]}]}"#, passes: true),
        Case(
            number: "18", data: #"{"a":{"b":"c"}}"#,
            filters: #"{"exprs": [{"expr": "b == \"b\"", "fields": [{"name": "b", "path": "a.b"}]}]}"#, passes: false),
        Case(
            number: "19a", data: #"{"a":{"b":2}}"#,
            filters: #"{"exprs": [{"expr": "b == 2", "fields": [{"name": "b", "path": "a.b"}]}]}"#, passes: true),
        Case(
            number: "19b", data: #"{"a":{"b":2}}"#,
            filters: #"{"exprs": [{"expr": "b < 1", "fields": [{"name": "b", "path": "a.b"}]}]}"#, passes: false),
        Case(
            number: "20a", data: #"{"a":{"b":"start long string"}}"#,
            filters: #"{"exprs": [{"expr": "b =~ \"start\"", "fields": [{"name": "b", "path": "a.b"}]}]}"#, passes: true
        ),
        Case(
            number: "20b", data: #"{"a":{"b":"long string"}}"#,
            filters: #"{"exprs": [{"expr": "b !~ \"start\"", "fields": [{"name": "b", "path": "a.b"}]}]}"#, passes: true
        ),
        Case(
            number: "21a", data: #"{"a":{"b":"x","d":"y"}}"#,
            filters:
                #"{"exprs": [{"expr": "b == \"x\"", "fields": [{"name": "b", "path": "a.b"}]}, {"expr": "d == \"d\"", "fields": [{"name": "d", "path": "a.d"}]}]}"#,
            passes: false),
        Case(
            number: "21b", data: #"{"a":{"b":"x","d":"y"}}"#,
            filters:
                #"{"exprLogicalOperator": "or", "exprs": [{"expr": "b == \"x\"", "fields": [{"name": "b", "path": "a.b"}]}, {"expr": "d == \"d\"", "fields": [{"name": "d", "path": "a.d"}]}]}"#,
            passes: true),
        Case(
            number: "22", data: #"{"a":{"b":"x","d":"y"}}"#,
            filters:
                #"{"exprLogicalOperator": "or", "exprs": [{"expr": "b == \"b\"", "fields": [{"name": "b", "path": "a.b"}]}, {"expr": "c == \"c\"", "fields": [{"name": "c", "path": "a.c"}]}]}"#,
            operation: "or", passes: false, error: "expr filter errors [path 'a.c' does not exist]"),
        Case(
            number: "23a", data: #"{"a":{"b":"x","d":"y"}}"#,
            filters:
                #"{"exprs": [{"expr": "b == \"x\"", "fields": [{"name": "b", "path": "a.b"}]}, {"expr": "c == \"c\"", "fields": [{"name": "c", "path": "a.c"}]}]}"#,
            passes: false, error: "expr filter error (path 'a.c' does not exist)"),
        Case(
            number: "23b", data: #"{"a":{"b":"x","d":"y"}}"#,
            filters:
                #"{"exprs": [{"expr": "b == \"b\"", "fields": [{"name": "b", "path": "a.b"}]}, {"expr": "c == \"c\"", "fields": [{"name": "c", "path": "a.c"}]}]}"#,
            passes: false),
        Case(
            number: "24", data: #"{"a":{"b":"b","c":{"d":false}}}"#,
            filters:
                #"{"exprs": [{"expr": "b == \"b\" || d == true", "fields": [{"name": "b", "path": "a.b"}, {"name": "d", "path": "a.c.d"}]}]}"#,
            passes: true),
        Case(number: "25", data: nil, filters: #"{"context": {"type": "webhook"}}"#, type: "calendar", passes: false),
        Case(
            number: "26", data: nil, filters: #"{"context": {"type": "webhook", "source": "webhook-gateway"}}"#,
            passes: true),
        Case(
            number: "32", data: #"{"k":"v"}"#,
            filters:
                #"{"time": {"start": "09:09:09", "stop": "19:19:19"}, "context": {"source": "webhook-gateway"}, "data": [{"path": "k", "type": "string", "value": ["v"]}], "exprs": [{"expr": "k != \"x\"", "fields": [{"name": "k", "path": "k"}]}]}"#,
            passes: true),
        Case(
            number: "32-stop", data: #"{"k":"v"}"#,
            filters:
                #"{"time": {"start": "09:09:09", "stop": "10:10:10"}, "context": {"source": "webhook-gateway"}, "data": [{"path": "k", "type": "string", "value": ["v"]}]}"#,
            passes: false),
        Case(
            number: "32-ctx", data: #"{"k":"v"}"#,
            filters:
                #"{"time": {"start": "09:09:09", "stop": "19:19:19"}, "context": {"source": "webhook-fake"}, "data": [{"path": "k", "type": "string", "value": ["v"]}]}"#,
            passes: false),
        Case(
            number: "32-expr", data: #"{"k":"v"}"#,
            filters:
                #"{"time": {"start": "09:09:09", "stop": "19:19:19"}, "exprs": [{"expr": "k != \"v\"", "fields": [{"name": "k", "path": "k"}]}]}"#,
            passes: false),
        Case(
            number: "33", data: #"{"k":"v"}"#,
            filters:
                #"{"context": {"source": "webhook-gateway"}, "data": [{"path": "z", "type": "string", "value": ["v"]}]}"#,
            operation: "or", passes: true, error: "data filter error (path 'z' does not exist)"),
        Case(
            number: "34a", data: #"{"k":"v"}"#,
            filters:
                #"{"context": {"source": "webhook-gateway"}, "data": [{"path": "k", "type": "string", "value": ["z"]}]}"#,
            passes: false),
        Case(
            number: "34b", data: #"{"k":"v"}"#,
            filters:
                #"{"context": {"source": "webhook-gateway"}, "data": [{"path": "z", "type": "string", "value": ["v"]}]}"#,
            passes: false, error: "data filter error (path 'z' does not exist)"),
        Case(
            number: "35", data: #"{"k":"v"}"#,
            filters:
                #"{"exprs": [{"expr": "k == \"x\"", "fields": [{"name": "k", "path": "k"}]}], "data": [{"path": "k", "type": "string", "value": ["z"]}]}"#,
            operation: "or", passes: false),
        Case(
            number: "36a", data: #"{"a":"x","b":10,"c":{"d":"hello world","e":false}}"#,
            filters:
                #"{"data": [{"path": "a", "type": "string", "value": ["x"]}, {"path": "b", "type": "number", "value": ["10"]}], "exprs": [{"expr": "d == \"hello world\"", "fields": [{"name": "d", "path": "c.d"}]}, {"expr": "e == true", "fields": [{"name": "e", "path": "c.e"}]}]}"#,
            operation: "or", passes: true),
        Case(
            number: "36b", data: #"{"a":"x","b":10,"c":{"d":"hello world","e":false}}"#,
            filters:
                #"{"dataLogicalOperator": "or", "exprLogicalOperator": "or", "data": [{"path": "a", "type": "string", "value": ["x"]}, {"path": "b", "type": "number", "value": ["11"]}], "exprs": [{"expr": "d == \"hello world\"", "fields": [{"name": "d", "path": "c.d"}]}, {"expr": "e == true", "fields": [{"name": "e", "path": "c.e"}]}]}"#,
            passes: true),
        Case(
            number: "36c", data: #"{"a":"x","b":10,"c":{"d":"hello world","e":false}}"#,
            filters:
                #"{"data": [{"path": "a", "type": "string", "value": ["x"]}, {"path": "b", "type": "number", "value": ["11"]}]}"#,
            passes: false),
        Case(
            number: "36d", data: #"{"a":"x","b":10,"c":{"d":"hello world","e":false}}"#,
            filters: #"{"exprs": [{"expr": "f == \"x\"", "fields": [{"name": "f", "path": "c.f"}]}]}"#,
            passes: false, error: "expr filter error (path 'c.f' does not exist)"),
    ]

    @Test(arguments: cases)
    func filterCase(_ testCase: Case) throws {
        let (filters, operation) = try loadFilters(testCase.filters, operation: testCase.operation)
        let event = makeEvent(
            data: testCase.data.map(json), source: testCase.source, type: testCase.type, time: testCase.time)
        let verdict = filters.evaluate(event, operation: operation)
        #expect(verdict.passed == testCase.passes)
        if let error = testCase.error {
            #expect(verdict.errors == [error])
        } else {
            #expect(verdict.errors.isEmpty, "unexpected errors \(verdict.errors)")
        }
    }

    /// Case 2: data that is not JSON fails with an error.
    @Test func nonJSONDataFails() throws {
        let (filters, operation) = try loadFilters(#"{"data": [{"path": "k", "type": "string", "value": ["v"]}]}"#)
        let verdict = filters.evaluate(
            makeEvent(data: .binary(Array("a".utf8)), contentType: "text/plain"), operation: operation)
        #expect(!verdict.passed)
        #expect(verdict.errors == ["data filter error (event data not valid JSON)"])
    }

    /// Case 26: an empty context filter is rejected when loading (Argo Events' validation), so it never runs.
    @Test func contextFilterWithoutFieldsIsInvalid() {
        let (sensor, findings) = loadSensor(sensorText(filters: #"{"context": {}}"#))
        #expect(sensor == nil)
        #expect(
            findings.contains {
                $0.severity == .error
                    && $0.message.contains("must set at least one of type, subject, source, datacontenttype")
            })
    }

    /// Cases 27 and 28: start inclusive, stop exclusive, and a window across midnight.
    @Test(arguments: [
        ("08:09:10", "16:17:18", [false, false, true, true, false, false]),
        ("16:17:18", "08:09:10", [true, true, false, false, true, true]),
    ])
    func timeWindow(start: String, stop: String, expected: [Bool]) throws {
        let (filters, operation) = try loadFilters(#"{"time": {"start": "\#(start)", "stop": "\#(stop)"}}"#)
        let times = ["00:00:00", "04:05:06", "08:09:10", "12:13:14", "16:17:18", "20:21:22"]
        let results = times.map { filters.evaluate(makeEvent(time: "2024-07-15T\($0)Z"), operation: operation).passed }
        #expect(results == expected)
    }

    /// Cases 29 and 30: windows in a time zone with daylight saving.
    @Test(arguments: [
        ("09:00:00", "17:00:00", "2024-07-15T14:00:00Z", true),
        ("09:00:00", "17:00:00", "2024-07-15T12:00:00Z", false),
        ("09:00:00", "17:00:00", "2024-07-15T22:00:00Z", false),
        ("22:00:00", "06:00:00", "2024-07-15T02:00:00Z", true),
        ("09:00:00", "17:00:00", "2024-01-15T15:00:00Z", true),
    ])
    func timeWindowInZone(start: String, stop: String, time: String, passes: Bool) throws {
        let (filters, operation) = try loadFilters(
            #"{"time": {"start": "\#(start)", "stop": "\#(stop)", "timezone": "America/New_York"}}"#)
        #expect(filters.evaluate(makeEvent(time: time), operation: operation).passed == passes)
    }

    /// Cases 3, 31, 32 and 50: what Argo Events reports at run time or in validation is a load error here.
    @Test(arguments: [
        (#"{"data": [{"path": "", "type": "string", "value": ["v"]}]}"#, "path must not be empty"),
        (#"{"data": [{"path": "k", "type": "", "value": ["v"]}]}"#, "type must not be empty"),
        (#"{"data": [{"path": "k", "type": "string", "value": []}]}"#, "value must list at least one value"),
        (#"{"data": [{"path": "k", "type": "object", "value": ["v"]}]}"#, "is not a JSON type"),
        (#"{"data": [{"path": "k", "type": "string", "value": ["v"], "comparator": ">"}]}"#, "cannot compare strings"),
        (#"{"data": [{"path": "k", "type": "number", "value": ["v"]}]}"#, "is not a number"),
        (
            #"{"data": [{"path": "k", "type": "number", "value": ["1"], "comparator": "=>"}]}"#,
            "is not one of = != < <= > >="
        ),
        (#"{"data": [{"path": "k..x", "type": "string", "value": ["v"]}]}"#, "bad path"),
        (#"{"data": [{"path": "k|@reverse", "type": "string", "value": ["v"]}]}"#, "not supported: gjson pipe"),
        (#"{"time": {"start": "10:10:10", "stop": "10:10"}}"#, "is not a time HH:MM:SS"),
        (#"{"time": {"start": "09:09:0", "stop": "10:10:10"}}"#, "is not a time HH:MM:SS"),
        (#"{"time": {"start": "10:10:10", "stop": "10:10:10"}}"#, "the window would be empty"),
        (#"{"time": {"start": "10:10:10", "stop": "11:10:10", "timezone": "Invalid/Timezone"}}"#, "invalid timezone"),
        (#"{"exprs": [{"expr": "k !== \"x\"", "fields": [{"name": "k", "path": "k"}]}]}"#, "bad expression"),
        (#"{"exprs": [{"expr": "k == \"x\"", "fields": []}]}"#, "must list at least one field"),
        (
            #"{"exprs": [{"expr": "k == x", "fields": [{"name": "k", "path": "k"}]}]}"#,
            "uses 'x', which no field defines"
        ),
        (#"{"script": "return true +"}"#, "spec.dependencies[0].filters.script: Lua syntax error on script line 1"),
    ])
    func invalidFiltersAreFindings(filters: String, message: String) {
        let (sensor, findings) = loadSensor(sensorText(filters: filters))
        #expect(sensor == nil)
        let errors = findings.filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains(message) }, "findings: \(findings.map(\.description))")
        #expect(errors.allSatisfy { $0.location.file == "test.yaml" && $0.location.line > 0 && $0.location.column > 0 })
    }

    /// Issue #3215: several values under `!=` are OR-ed, so the filter passes unless the value matches all.
    @Test func notEqualWithSeveralValuesIsOred() throws {
        let (filters, operation) = try loadFilters(
            #"{"data": [{"path": "k", "type": "string", "value": ["foo", "bar"], "comparator": "!="}]}"#)
        #expect(filters.evaluate(makeEvent(data: json(#"{"k":"foo"}"#)), operation: operation).passed)
    }

    /// `explain` sees the value each filter read.
    @Test func checksRecordObservedValues() throws {
        let (filters, operation) = try loadFilters(
            #"{"data": [{"path": "body.n", "type": "number", "value": ["3"], "comparator": ">"}]}"#)
        let verdict = filters.evaluate(makeEvent(data: json(#"{"body":{"n":5}}"#)), operation: operation)
        #expect(verdict.checks.count == 1)
        #expect(verdict.checks.first?.observed == .int(5))
        #expect(verdict.checks.first?.filter == "body.n number > [3]")
    }
}
