import ConfigReader
public import EventModel
import JQProgram
import LuaScript
import RegexEngine
import SensorEngine
import SensorLanguage
import SensorModel

/// The fuzz targets, one function per parser. Each takes arbitrary bytes, runs them through the parser and checks
/// the invariants that must hold for every input; a crash, a sanitizer report or a thrown
/// ``FuzzInvariantViolation`` is a finding. The libFuzzer executables under `Fuzz/Targets` call these (and trap on a
/// violation); `FuzzCorpusTests` replays the committed corpus through them in the normal build.
public enum FuzzTarget: String, Sendable, CaseIterable {
    /// `MessagePackCodec.decode`, then `CloudEventCodec.decode` in structured and binary mode.
    case messagePack = "messagepack"
    /// `FilterExpression.parse` (an `exprs` filter's expression) and `ConditionExpression.parse` (a trigger's `conditions`).
    case expression
    /// `GJSONPath` (a filter's or parameter's `path`), parsed and evaluated against a sample payload.
    case path
    /// `SensorLoader.load(text:file:)` on one YAML text.
    case sensorYAML = "sensor-yaml"
    /// `RE2Regex` and `TextPattern` (a data filter's or `=~`'s regular expression): the pattern is the bytes before
    /// the first NUL, the text matched against it the bytes after.
    case regex
    /// `LuaScript` (a script filter or transform): compiled, then run as a filter and as a transform on the data.
    case lua
    /// `JQProgram` (a jq transform): compiled, then run on the data.
    case jq

    /// Limits small enough that a fuzzer's inputs reach them.
    static let limits = DecodingLimits(maxPayloadBytes: 1 << 16, maxDepth: 16, maxContainerElements: 1024)

    /// Runs one input.
    /// - Throws: ``FuzzInvariantViolation`` when the parser's result breaks an invariant.
    public func run(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        switch self {
        case .messagePack: try Self.messagePack(bytes)
        case .expression: try Self.expression(bytes)
        case .path: try Self.path(bytes)
        case .sensorYAML: Self.sensorYAML(bytes)
        case .regex: try Self.regex(bytes)
        case .lua: try Self.lua(bytes)
        case .jq: try Self.jq(bytes)
        }
    }

    /// libFuzzer's `LLVMFuzzerTestOneInput` body: runs the input and traps on a broken invariant, so libFuzzer
    /// records it as a crash.
    public func runFuzzerInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        do {
            try run(Array(UnsafeBufferPointer(start: data, count: size)))
        } catch {
            fatalError("\(rawValue): \(error.description)")
        }
        return 0
    }

    /// Decoding never traps; what decodes re-encodes to bytes that decode to the same encoding (idempotence, byte for
    /// byte, so NaN payloads compare too). The first byte picks the CloudEvents mode: structured MessagePack,
    /// structured JSON, or binary mode with `ce-*` headers; the rest is the payload, which is also decoded as a bare
    /// MessagePack value.
    private static func messagePack(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        guard let mode = bytes.first else { return }
        let payload = Array(bytes.dropFirst())
        if let value = try? MessagePackCodec.decode(payload, limits: limits) {
            let encoded = MessagePackCodec.encode(value)
            guard let again = try? MessagePackCodec.decode(encoded, limits: .default) else {
                throw FuzzInvariantViolation("the MessagePack encoding of \(value) does not decode")
            }
            guard MessagePackCodec.encode(again) == encoded else {
                throw FuzzInvariantViolation("MessagePack re-encoding changed: \(value)")
            }
        }
        let headers: [String: String]
        switch mode % 3 {
        case 0: headers = [:]
        case 1: headers = ["content-type": "application/json"]
        default:
            headers = [
                "ce-specversion": "1.0", "ce-id": "fuzz", "ce-source": "fuzz", "ce-type": "fuzz",
                "content-type": mode & 0x80 == 0 ? "application/msgpack" : "application/json",
            ]
        }
        guard let event = try? CloudEventCodec.decode(payload: payload, headers: headers, limits: limits) else {
            return
        }
        let structured = CloudEventCodec.encodeStructured(event, format: .messagePack)
        guard let again = try? CloudEventCodec.decode(payload: structured, limits: .default) else {
            throw FuzzInvariantViolation("the structured encoding of a decoded event does not decode: \(event)")
        }
        guard CloudEventCodec.encodeStructured(again, format: .messagePack) == structured else {
            throw FuzzInvariantViolation("structured re-encoding changed: \(event)")
        }
    }

    /// What parses renders to canonical text that parses to the same tree. Both grammars see every input.
    private static func expression(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let filter = try? FilterExpression.parse(text) {
            let canonical = filter.description
            guard let again = try? FilterExpression.parse(canonical), again == filter else {
                throw FuzzInvariantViolation(
                    "filter expression \(text.debugDescription) renders as \(canonical.debugDescription), which parses differently"
                )
            }
            _ = filter.variables
        }
        if let condition = try? ConditionExpression.parse(text) {
            let canonical = condition.description
            guard let again = try? ConditionExpression.parse(canonical), again == condition else {
                throw FuzzInvariantViolation(
                    "condition \(text.debugDescription) renders as \(canonical.debugDescription), which parses differently"
                )
            }
            _ = condition.holds(satisfied: Set(condition.names.prefix(1)))
        }
    }

    /// A sample payload for path evaluation: maps, arrays, numbers, strings, booleans and null.
    private static let samplePayload: EventValue = .map([
        "name": .map(["first": .string("Tom"), "last": .string("Anderson")]),
        "age": .int(37),
        "children": .array([.string("Sara"), .string("Alex"), .string("Jack")]),
        "fav.movie": .string("Deer Hunter"),
        "friends": .array([
            .map(["first": .string("Dale"), "age": .int(44), "nets": .array([.string("ig"), .string("fb")])]),
            .map(["first": .string("Roger"), "age": .double(68.5), "active": .bool(true)]),
            .map(["first": .string("Jane"), "age": .uint(47), "nick": .null]),
        ]),
        "blob": .binary([0, 1, 2]),
    ])

    /// What parses renders to canonical text that parses to an equal path; evaluation never traps.
    private static func path(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let path = try? GJSONPath(text) else { return }
        let canonical = path.description
        guard let again = try? GJSONPath(canonical), again == path else {
            throw FuzzInvariantViolation(
                "path \(text.debugDescription) renders as \(canonical.debugDescription), which parses differently")
        }
        _ = path.value(in: samplePayload)
    }

    /// Loading never traps, whatever the YAML; findings are the expected outcome for most inputs.
    private static func sensorYAML(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let catalog = SensorLoader.load(text: text, file: "fuzz.yaml")
        _ = catalog.isValid
        for finding in catalog.findings { _ = finding.description }
    }
}

extension FuzzTarget {
    /// RE2 compiles or refuses every pattern without trapping, and matching returns; `TextPattern`, whose literal
    /// fast path skips RE2, accepts exactly the patterns RE2 accepts and answers as RE2 does.
    private static func regex(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        let separator = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let pattern = String(decoding: bytes[..<separator], as: UTF8.self)
        let text = separator < bytes.endIndex ? String(decoding: bytes[(separator + 1)...], as: UTF8.self) : pattern
        let regex = try? RE2Regex(pattern)
        let textPattern = try? TextPattern(pattern)
        guard (regex == nil) == (textPattern == nil) else {
            throw FuzzInvariantViolation(
                "RE2 \(regex == nil ? "refuses" : "compiles") \(pattern.debugDescription), TextPattern does not")
        }
        guard let regex, let textPattern else { return }
        let expected = regex.matches(text)
        guard textPattern.matches(text) == expected else {
            throw FuzzInvariantViolation(
                "TextPattern \(pattern.debugDescription) on \(text.debugDescription) answers \(!expected), RE2 \(expected)"
            )
        }
    }

    /// Small budgets, so that a fuzzer's endless loops end quickly.
    static let luaLimits = LuaLimits(instructions: 100_000, time: .milliseconds(50), memoryBytes: 1 << 20)

    /// An input for the Lua and jq targets: the program, then after a NUL byte the data (a JSON object; the sample
    /// payload when there is no NUL or the rest is not one).
    public static func programAndData(_ bytes: [UInt8]) -> (program: String, data: EventMap) {
        guard let separator = bytes.firstIndex(of: 0) else {
            return (String(decoding: bytes, as: UTF8.self), samplePayload.mapValue ?? [:])
        }
        let program = String(decoding: bytes[..<separator], as: UTF8.self)
        let data = try? JSONCodec.decode(Array(bytes[(separator + 1)...]), limits: limits)
        return (program, data?.mapValue ?? samplePayload.mapValue ?? [:])
    }

    /// Compiling and running never traps; a transform returns an array or a map; two runs agree (every
    /// evaluation has a fresh state, so nothing leaks from one to the next).
    private static func lua(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        let (source, data) = programAndData(bytes)
        guard let script = try? LuaScript(source: source, name: "fuzz") else { return }
        let first = Result { () throws(LuaError) in try script.returnsTrue(event: data, limits: luaLimits) }
        let second = Result { () throws(LuaError) in try script.returnsTrue(event: data, limits: luaLimits) }
        // Budget errors depend on the clock and on garbage; only definite outcomes must agree.
        if case .success(let one) = first, case .success(let two) = second, one != two {
            throw FuzzInvariantViolation("script \(source.debugDescription) passed once and failed once")
        }
        if let table = try? script.returnedTable(event: data, limits: luaLimits) {
            switch table {
            case .array, .map: break
            default: throw FuzzInvariantViolation("script \(source.debugDescription) returned \(table.typeName)")
            }
        }
    }

    /// Compiling and running never traps; the first output reads back as JSON; a pooled state gives the same output
    /// as the first run. Programs that never end are the sensor author's error, not the fuzzer's finding: seeds avoid them.
    private static func jq(_ bytes: [UInt8]) throws(FuzzInvariantViolation) {
        let (source, data) = programAndData(bytes)
        guard let program = try? JQProgram(source: source, maximumOutputBytes: 1 << 16) else { return }
        let first = try? program.firstOutput(.map(data))
        let second = try? program.firstOutput(.map(data))
        guard first == second else {
            throw FuzzInvariantViolation("jq \(source.debugDescription) gave two outputs for one input")
        }
    }
}

/// A parser's result broke an invariant the fuzz target checks.
public struct FuzzInvariantViolation: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the input's parse.
    public var description: String

    init(_ description: String) { self.description = description }
}
