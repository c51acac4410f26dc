import EventModel
import Logging
import SensorModel
import SensorTesting
import Testing
import Triggers

@testable import Gateway

/// Screening decodes only the data entries the filters read, and the whole event for the triggers: compared with a
/// traced screening (which decodes the whole event and evaluates every dependency) on random sensors and random,
/// sometimes corrupted, messages, it gives the same outcome: filtered out, the same offers with the same event, or
/// the same decoding error.
struct ReducedScreeningTests {
    static let keys = ["k", "n", "o", "pad"]

    static func dataFilter(_ random: inout SeededRandom) -> String {
        let path = ["k", "n", "o.x", "missing"].randomElement(using: &random) ?? "k"
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            let value = ["^a$", "a", "^(a|b)$"].randomElement(using: &random) ?? "a"
            return #"{"path": "\#(path)", "type": "string", "value": ["\#(value)"]}"#
        case 1:
            let comparator = ["", ">", "<="].randomElement(using: &random) ?? ""
            return #"{"path": "\#(path)", "type": "number", "value": ["1"], "comparator": "\#(comparator)"}"#
        default:
            return #"{"path": "\#(path)", "type": "bool", "value": ["\#(Bool.random(using: &random))"]}"#
        }
    }

    /// `count` sensors of one dependency each on `events.src.a`, with data, exprs and context filters.
    static func sensors(count: Int, _ random: inout SeededRandom) -> String {
        (0..<count).map { index in
            var filters = [#""data": [\#(dataFilter(&random)), \#(dataFilter(&random))]"#]
            if Bool.random(using: &random) { filters.append(#""dataLogicalOperator": "or""#) }
            if Int.random(in: 0..<4, using: &random) == 0 {
                filters.append(#""exprs": [{"expr": "v == 1", "fields": [{"name": "v", "path": "n"}]}]"#)
            }
            if Int.random(in: 0..<4, using: &random) == 0 { filters.append(#""context": {"type": "t"}"#) }
            return """
                apiVersion: argoproj.io/v1alpha1
                kind: Sensor
                metadata: {name: s\(index)}
                spec:
                  dependencies:
                    - {name: a, eventSourceName: src, eventName: a, filters: {\(filters.joined(separator: ", "))}}
                  triggers:
                    - template: {name: t, conditions: a, log: {}}

                """
        }.joined(separator: "---\n")
    }

    static func value(_ random: inout SeededRandom) -> EventValue {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: .string(["a", "b", "é"].randomElement(using: &random) ?? "a")
        case 1: .int(Int64.random(in: 0...2, using: &random))
        case 2: .bool(Bool.random(using: &random))
        case 3: .map(["x": .string("a")])
        case 4: .string(String(repeating: "p", count: 40))
        default: .null
        }
    }

    static func message(_ round: Int, _ random: inout SeededRandom) -> [UInt8] {
        var data = EventMap()
        for key in keys where Int.random(in: 0..<10, using: &random) < 7 { data[key] = value(&random) }
        let event = Event(
            id: "e\(round)", source: "src", type: Bool.random(using: &random) ? "t" : "u", subject: "a",
            data: .map(data))
        var bytes = CloudEventCodec.encodeStructured(event, format: .messagePack)
        if Int.random(in: 0..<4, using: &random) == 0 {
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] = UInt8.random(in: 0...255, using: &random)
        }
        return bytes
    }

    /// A screening's outcome, comparable.
    static func outcome(_ screening: MessageProcessor.Screening) -> String {
        switch screening {
        case .filteredOut: "filtered out"
        case .undecodable(let error): "undecodable: \(error)"
        case .offers(let event, let offers):
            "offers \(offers.map { "\($0.binding.sensor.name)/\($0.trigger.name)" }) of \(event)"
        }
    }

    @Test(arguments: 1...4)
    func reducedScreeningMatchesWholeScreening(seed: Int) throws {
        var random = SeededRandom(seed: UInt64(seed))
        let fixture = try MessageProcessorTests.Fixture(.succeeded(detail: "ok"))
        let catalog = SensorLoader.load(text: Self.sensors(count: 20, &random), file: "s.yaml")
        #expect(catalog.isValid, "\(catalog.findings)")
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let dependencies = fixture.processor.dependencies(sensors.bindings["events.src.a"] ?? [])
        #expect(dependencies.dataKeys == ["k", "n", "o", "missing"])
        var outcomes: Set<String> = []
        for round in 0..<2_000 {
            let payload = Self.message(round, &random)
            let (reduced, whole) = payload.withUnsafeBytes { bytes in
                (
                    fixture.processor.screen(
                        payload: bytes, headers: [:], dependencies: dependencies, logger: { Logger(label: "test") }),
                    fixture.processor.screen(
                        payload: bytes, headers: [:], dependencies: dependencies, logger: { Logger(label: "test") },
                        record: ScreeningRecord())
                )
            }
            #expect(Self.outcome(reduced) == Self.outcome(whole), "round \(round)")
            outcomes.insert(String(Self.outcome(whole).prefix(while: { $0 != " " && $0 != ":" })))
        }
        #expect(outcomes == ["filtered", "undecodable", "offers"], "every outcome is exercised")
    }
}
