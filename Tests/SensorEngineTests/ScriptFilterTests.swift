import ConfigReader
import EventModel
import Foundation
import SensorEngine
import SensorLanguage
import SensorTesting
import Testing

@testable import SensorModel

/// Lua script filters (reference a3, case 37), run by the real Lua 5.1.
struct ScriptFilterTests {
    private func verdict(
        _ script: String, data: String?, extra: String = "", operation: String = ""
    ) throws -> FilterVerdict {
        let scriptJSON = JSONCodec.encodeToString(.string(script))
        let (filters, op) = try loadFilters(#"{"script": \#(scriptJSON)\#(extra)}"#, operation: operation)
        return filters.evaluate(makeEvent(data: data.map(json)), operation: op)
    }

    private let case37 =
        #"if event.a == "hello" and event.b == "world" then return false end if event.a == "hello" then return true end return false"#

    @Test func case37PassesAndFails() throws {
        #expect(try verdict(case37, data: #"{"a":"hello"}"#).passed)
        #expect(try !verdict(case37, data: #"{"a":"hello","b":"world"}"#).passed)
    }

    @Test func passesOnlyOnTrue() throws {
        #expect(try !verdict("return 1", data: #"{"a":1}"#).passed)
        #expect(try !verdict("local x = 1", data: #"{"a":1}"#).passed)
        #expect(try verdict("return false, true", data: #"{"a":1}"#).passed)
    }

    @Test func nestedTablesArraysAndNull() throws {
        let script = #"return event.c.d[1] == 3 and #event.c.d == 2 and event.n == nil and event.f == 1.5"#
        #expect(try verdict(script, data: #"{"c":{"d":[3,4]},"n":null,"f":1.5}"#).passed)
    }

    @Test func nilDataPasses() throws {
        #expect(try verdict("return false", data: nil).passed)
    }

    @Test func nonObjectDataIsAnError() throws {
        let result = try verdict("return true", data: "[1,2]")
        #expect(!result.passed)
        #expect(result.errors == ["script filter error (event data is not a JSON object)"])
    }

    @Test func runtimeErrorFailsEvenUnderOr() throws {
        let extra = #", "context": {"type": "webhook"}"#
        let result = try verdict("return undefined_function()", data: #"{"a":1}"#, extra: extra, operation: "or")
        #expect(!result.passed)
        #expect(result.errors.first?.hasPrefix("script filter error (") == true)
        #expect(result.checks.map(\.kind) == ["context", "script"])
        // Without the error, `or` passes on the context alone.
        #expect(try verdict("return false", data: #"{"a":1}"#, extra: extra, operation: "or").passed)
    }

    @Test func budgetStopsAnEndlessLoop() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try verdict("while true do end", data: #"{"a":1}"#)
        #expect(clock.now - start < .seconds(1))
        #expect(!result.passed)
        #expect(result.errors.first?.contains("instruction budget") == true)
    }

    @Test func pcallCannotSwallowTheBudget() throws {
        let result = try verdict(
            "while true do pcall(function() while true do end end) end", data: #"{"a":1}"#)
        #expect(result.errors.first?.contains("instruction budget") == true)
    }

    @Test func memoryCap() throws {
        let result = try verdict(
            "local t = {} while true do t[#t+1] = string.rep('x', 1000) end", data: #"{"a":1}"#)
        #expect(result.errors.first?.contains("memory cap") == true, "\(result.errors)")
        let huge = try verdict("local s = string.rep('x', 1e9) return true", data: #"{"a":1}"#)
        #expect(huge.errors.first?.contains("memory cap") == true)
    }

    @Test(arguments: [
        "return io.open('/etc/passwd') ~= nil", "return os.time() > 0", "return require('os') ~= nil",
        "return loadstring('return true')()", "return dofile('/etc/passwd')", "return debug.getinfo(1) ~= nil",
        "return package.loaded ~= nil", "return string.dump(function() end) ~= nil",
        "return getfenv(1) ~= nil", "return collectgarbage('count') > 0",
    ])
    func sandboxHasNoEscape(script: String) throws {
        let result = try verdict(script, data: #"{"a":1}"#)
        #expect(!result.passed)
        #expect(result.errors.first?.hasPrefix("script filter error (") == true)
    }

    @Test func sandboxKeepsStringTableAndMath() throws {
        let script =
            #"return string.upper(event.a) == "HI" and table.concat({1, 2}, ",") == "1,2" and math.floor(2.5) == 2"#
        #expect(try verdict(script, data: #"{"a":"hi"}"#).passed)
    }

    @Test func syntaxErrorIsALocatedLoadError() {
        let (sensor, findings) = loadSensor(sensorText(filters: #"{"script": "if then"}"#))
        #expect(sensor == nil)
        let finding = findings.first { $0.message.contains("Lua syntax error") }
        #expect(finding?.location.line == 11)
        #expect(finding?.message.contains("script line 1") == true)
    }

    @Test func syntaxErrorInABlockIsAtItsLine() {
        let text = sensorText(filters: "{}").replacingOccurrences(
            of: "      filters: {}",
            with:
                "      filters:\n        script: |-\n          if event.x then\n            return true\n          else\n"
        )
        let (_, findings) = loadSensor(text)
        let finding = findings.first { $0.message.contains("Lua syntax error on script line 3") }
        #expect(finding?.location.line == 15, "\(findings)")
    }

    @Test func concurrentEvaluationsAreIndependent() async throws {
        let (filters, op) = try loadFilters(#"{"script": "event.a = event.a + 1 return event.a == 2"}"#)
        let event = makeEvent(data: json(#"{"a":1}"#))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 { group.addTask { filters.evaluate(event, operation: op, recordChecks: false).passed } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 })
    }
}

/// The evaluation rules of script filters through the protocol alone, with a stand-in for the interpreter.
struct ScriptFilterRuleTests {
    struct StandIn: EventPredicate {
        let result: Result<Bool, ProgramError>
        var source: String { "stand-in" }
        func passes(_ data: EventMap) throws(ProgramError) -> Bool { try result.get() }
    }

    private func filters(_ result: Result<Bool, ProgramError>) -> DependencyFilters {
        DependencyFilters(
            exprs: nil, data: nil,
            context: ContextFilter(type: "webhook", subject: nil, source: nil, dataContentType: nil),
            time: nil, script: StandIn(result: result), dataLogicalOperator: .and, exprLogicalOperator: .and)
    }

    @Test func errorFailsInBothModes() {
        let event = makeEvent(data: json(#"{"a":1}"#))
        for operation in [LogicalOperator.and, .or] {
            let verdict = filters(.failure(ProgramError("boom"))).evaluate(event, operation: operation)
            #expect(!verdict.passed)
            #expect(verdict.errors == ["script filter error (boom)"])
        }
    }

    @Test func falseFailsAndButNotOr() {
        let event = makeEvent(data: json(#"{"a":1}"#))
        #expect(!filters(.success(false)).evaluate(event, operation: .and).passed)
        #expect(filters(.success(false)).evaluate(event, operation: .or).passed)
    }
}
