import ConfigReader
import EventModel
import Foundation
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Testing

/// jq and Lua transforms (reference a4, case 38), run by the real libjq and Lua 5.1.
struct TransformTests {
    private func dependency(transform: String, filters: String? = nil) throws -> Dependency {
        let text = sensorText(filters: filters, transform: transform)
        let (sensor, findings) = loadSensor(text)
        guard let dependency = sensor?.dependencies.first else {
            throw TestFailure("sensor did not load: \(findings.map(\.description))")
        }
        return dependency
    }

    private func screen(_ dependency: Dependency, _ data: String) -> (event: Event, verdict: FilterVerdict) {
        dependency.screen(makeEvent(data: json(data), contentType: "text/json"))
    }

    @Test func case38JQ() throws {
        let result = screen(try dependency(transform: #"{"jq": ".a += 1 | .b *= 2"}"#), #"{"a":1,"b":"2"}"#)
        #expect(result.verdict.passed)
        #expect(result.event.data == json(#"{"a":2,"b":"22"}"#))
        #expect(result.event.dataContentType == "application/json")
    }

    @Test func case38Lua() throws {
        let result = screen(
            try dependency(transform: #"{"script": "event.c.d[1]=4 return event"}"#), #"{"c":{"d":[3]}}"#)
        #expect(result.verdict.passed)
        #expect(result.event.data == json(#"{"c":{"d":[4]}}"#))
    }

    @Test func luaMustReturnATable() throws {
        let result = screen(try dependency(transform: #"{"script": "return \"hello\""}"#), #"{"a":1}"#)
        #expect(!result.verdict.passed)
        #expect(result.verdict.errors == ["transform error (transformation script didn't return a table)"])
        #expect(result.verdict.checks.map(\.kind) == ["transform"])
    }

    @Test func luaArrayMetatableMakesAnArray() throws {
        let script = #"{"script": "return setmetatable({1, 'x'}, {__is_array = true})"}"#
        let result = screen(try dependency(transform: script), #"{"a":1}"#)
        #expect(result.event.data == json(#"[1,"x"]"#))
    }

    @Test func jqNonObjectIsAnError() throws {
        let result = screen(try dependency(transform: #"{"jq": ".a"}"#), #"{"a":1}"#)
        #expect(!result.verdict.passed)
        #expect(result.verdict.errors.first?.contains("not a JSON object") == true)
    }

    @Test func jqRuntimeErrorAndNoOutput() throws {
        let failing = screen(try dependency(transform: #"{"jq": "error(\"boom\")"}"#), #"{"a":1}"#)
        #expect(failing.verdict.errors == ["transform error (boom)"])
        let empty = screen(try dependency(transform: #"{"jq": "empty"}"#), #"{"a":1}"#)
        #expect(!empty.verdict.passed)
    }

    @Test func jqWinsOverScript() throws {
        let result = screen(
            try dependency(transform: #"{"jq": ".a = 5", "script": "return {a = 6}"}"#), #"{"a":1}"#)
        #expect(result.event.data == json(#"{"a":5}"#))
    }

    @Test func filtersSeeTheTransformedData() throws {
        let dependency = try dependency(
            transform: #"{"jq": ".a += 1"}"#, filters: #"{"script": "return event.a == 2"}"#)
        let result = screen(dependency, #"{"a":1}"#)
        #expect(result.verdict.passed)
        #expect(result.verdict.checks.map(\.kind) == ["transform", "script"])
    }

    @Test func compileErrorsAreLoadErrors() {
        for transform in [#"{"jq": ".a +* 1"}"#, #"{"script": "return {"}"#, "{}"] {
            let text = sensorText(filters: "{}").replacingOccurrences(
                of: "      filters: {}", with: "      transform: \(transform)")
            let (sensor, findings) = loadSensor(text)
            #expect(sensor == nil, "\(transform)")
            #expect(findings.contains { $0.severity == .error && $0.location.line == 11 }, "\(findings)")
        }
    }

    @Test func cyclicTableIsAnError() throws {
        let result = screen(try dependency(transform: #"{"script": "local t = {} t.t = t return t"}"#), #"{"a":1}"#)
        #expect(result.verdict.errors.first?.contains("nests deeper than") == true)
    }

    @Test func deepDataRoundTrips() throws {
        let deep = String(repeating: #"{"a":["#, count: 60) + "1" + String(repeating: "]}", count: 60)
        let result = screen(try dependency(transform: #"{"script": "return event"}"#), deep)
        #expect(result.event.data == json(deep))
    }

    @Test func jqHaltIsAnError() throws {
        let result = screen(try dependency(transform: #"{"jq": "halt"}"#), #"{"a":1}"#)
        #expect(result.verdict.errors == ["transform error (jq program halted)"])
    }

    @Test func concurrentTransformsShareNoState() async throws {
        let jq = try dependency(transform: #"{"jq": ".a += 1"}"#)
        let lua = try dependency(transform: #"{"script": "event.a = event.a + 1 return event"}"#)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let data = json(#"{"a":\#(index)}"#)
                    let expected = json(#"{"a":\#(index + 1)}"#)
                    return jq.screen(makeEvent(data: data)).event.data == expected
                        && lua.screen(makeEvent(data: data)).event.data == expected
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }

    @Test func noDataIsAnError() throws {
        let result = try dependency(transform: #"{"jq": "."}"#).screen(makeEvent(data: nil))
        #expect(result.verdict.errors == ["transform error (event has no data)"])
    }
}
