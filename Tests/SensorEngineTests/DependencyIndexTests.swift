import EventModel
import SensorModel
import SensorTesting
import Testing

@testable import SensorEngine

/// The sensor index gives every dependency the verdict its filters give: compared with plain evaluation on random
/// sensors and events.
struct DependencyIndexTests {
    /// Draws from a seeded sequence, so a failing seed can be replayed.
    struct Random {
        var generator: SeededRandom

        mutating func below(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &generator) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
    }

    // Pools small enough that events often meet the filters' values. "é" composed and decomposed are equal Swift
    // strings with different bytes: a context filter compares the first way, a string data filter the second.
    static let attributes = ["a", "b", "é", "e\u{301}"]
    static let paths = ["k", "n", "f", "o.x", "missing", "arr.0"]
    static let strings = [#"^a$"#, #"^b$"#, #"a"#, #"^é$"#, "^e\u{301}$", #"^a.*$"#, #"^(a|b)$"#, #"^1$"#]
    static let numbers = ["1", "2", "0", "-0", "1.5", "-3"]
    static let comparators = ["", "=", "=", "!=", ">", "<="]

    static func dataFilter(_ random: inout Random) -> String {
        let path = random.pick(paths)
        let template = random.chance(5) ? #", "template": "{{ .Input }}""# : ""
        switch random.below(3) {
        case 0:
            let values = (0...random.below(2)).map { _ in "\"\(random.pick(strings))\"" }.joined(separator: ", ")
            let comparator = random.chance(80) ? "" : "!="
            return
                #"{"path": "\#(path)", "type": "string", "value": [\#(values)], "comparator": "\#(comparator)"\#(template)}"#
        case 1:
            let values = (0...random.below(2)).map { _ in "\"\(random.pick(numbers))\"" }.joined(separator: ", ")
            return
                #"{"path": "\#(path)", "type": "number", "value": [\#(values)], "comparator": "\#(random.pick(comparators))"\#(template)}"#
        default:
            let values = random.chance(20) ? #""true", "false""# : (random.chance(50) ? #""true""# : #""false""#)
            return #"{"path": "\#(path)", "type": "bool", "value": [\#(values)]\#(template)}"#
        }
    }

    static func filters(_ random: inout Random) -> String? {
        guard random.chance(90) else { return nil }
        var kinds: [String] = []
        if random.chance(60) {
            var fields: [String] = []
            for name in ["type", "source", "subject", "datacontenttype"] where random.chance(35) {
                fields.append("\"\(name)\": \"\(random.pick(attributes))\"")
            }
            if fields.isEmpty { fields.append("\"type\": \"\(random.pick(attributes))\"") }
            kinds.append(#""context": {\#(fields.joined(separator: ", "))}"#)
        }
        if random.chance(75) {
            let data = (0...random.below(3)).map { _ in dataFilter(&random) }.joined(separator: ", ")
            kinds.append(#""data": [\#(data)]"#)
            if random.chance(25) { kinds.append(#""dataLogicalOperator": "or""#) }
        }
        if random.chance(20) {
            kinds.append(
                #""exprs": [{"expr": "v == \"a\"", "fields": [{"name": "v", "path": "\#(random.pick(paths))"}]}]"#)
        }
        if random.chance(10) { kinds.append(#""script": "return event.k == \"a\"""#) }
        return "{\(kinds.joined(separator: ", "))}"
    }

    /// `count` sensors of one dependency each on the same subject, loaded from YAML as the daemon loads them.
    static func dependencies(count: Int, _ random: inout Random) throws -> [Dependency] {
        try (0..<count).map { _ in
            let text = sensorText(
                filters: filters(&random), filtersLogicalOperator: random.chance(20) ? "or" : "",
                transform: random.chance(5) ? #"{"jq": ".k = \"a\""}"# : nil)
            let catalog = SensorLoader.load(text: text, file: "random.yaml")
            let sensor = try #require(catalog.sensors.first, "\(text)\n\(catalog.findings)")
            return try #require(sensor.dependencies.first)
        }
    }

    static func value(_ random: inout Random) -> EventValue {
        switch random.below(9) {
        case 0: .string(random.pick(["a", "b", "é", "e\u{301}", "1", "true"]))
        case 1: .int(Int64(random.pick([0, 1, 2, -3])))
        case 2: .double(random.pick([1.5, -0.0, 2.0, .nan]))
        case 3: .bool(random.chance(50))
        case 4: .null
        case 5: .array([.string("a"), .int(1)])
        case 6: .map(["x": .string(random.pick(["a", "b"]))])
        default: .string("a")
        }
    }

    static func event(_ random: inout Random) -> Event {
        var data: EventValue?
        var contentType: String? = random.pick(["application/json", "a", "text/plain"])
        switch random.below(10) {
        case 0: data = nil
        case 1:
            data = .binary(Array("not json".utf8))
            contentType = "text/plain"
        case 2: data = .array([.int(1)])
        default:
            var map = EventMap()
            for key in ["k", "n", "f", "o", "arr"] where random.chance(70) { map[key] = value(&random) }
            data = .map(map)
        }
        if random.chance(10) { contentType = nil }
        return Event(
            id: "e", source: random.pick(attributes), type: random.pick(attributes),
            subject: random.chance(90) ? random.pick(attributes) : nil, dataContentType: contentType, data: data)
    }

    @Test(arguments: 1...12)
    func indexedVerdictsMatchPlainEvaluation(seed: Int) throws {
        var random = Random(generator: SeededRandom(seed: UInt64(seed)))
        let dependencies = try Self.dependencies(count: 40, &random)
        let index = DependencyIndex(dependencies)
        var ruledOut = 0
        for _ in 0..<300 {
            let event = Self.event(&random)
            let candidates = index.candidates(for: event)
            #expect(candidates == Array(Set(candidates)).sorted(), "candidates not ascending and distinct")
            for (position, dependency) in dependencies.enumerated() {
                let plain = dependency.screen(event, recordChecks: false).verdict.passed
                if candidates.contains(position) { continue }
                ruledOut += 1
                #expect(!plain, "the index ruled out \(dependency.filters.map { "\($0)" } ?? "") for \(event)")
            }
        }
        // The comparison is not vacuous: the index does rule dependencies out.
        #expect(ruledOut > 1000)
    }

    /// The event with its map `data` reduced to the entries under `keys`.
    static func reduced(_ event: Event, to keys: Set<String>) -> Event {
        guard case .map(let data)? = event.data else { return event }
        var reduced = event
        var map = EventMap()
        for (key, value) in data where keys.contains(key) { map[key] = value }
        reduced.data = .map(map)
        return reduced
    }

    /// A dependency's filters give an event with its data reduced to ``Dependency/dataKeysRead`` the verdict (and
    /// checks) they give the whole event, and the index of such dependencies the same candidates.
    @Test(arguments: 1...12)
    func reducedDataGivesTheSameVerdicts(seed: Int) throws {
        var random = Random(generator: SeededRandom(seed: UInt64(seed) + 1000))
        let dependencies = try Self.dependencies(count: 40, &random).filter { $0.dataKeysRead != nil }
        let keys = dependencies.compactMap(\.dataKeysRead)
        let union = keys.reduce(into: Set<String>()) { $0.formUnion($1) }
        let index = DependencyIndex(dependencies)
        var passed = 0
        for _ in 0..<300 {
            let event = Self.event(&random)
            for (dependency, keys) in zip(dependencies, keys) {
                // Each check without the value it observed: the events hold NaN, which equals nothing.
                func outcome(_ verdict: FilterVerdict) -> String {
                    "\(verdict.passed) \(verdict.errors) \(verdict.checks.map { [$0.kind, $0.filter, "\($0.passed)", $0.error ?? ""] })"
                }
                let whole = dependency.screen(event).verdict
                #expect(outcome(dependency.screen(Self.reduced(event, to: keys)).verdict) == outcome(whole), "\(event)")
                if whole.passed { passed += 1 }
            }
            #expect(index.candidates(for: Self.reduced(event, to: union)) == index.candidates(for: event))
        }
        #expect(dependencies.count > 25 && passed > 100, "\(dependencies.count) dependencies, \(passed) passes")
    }

    /// A transform, a script filter, or a path not starting with a plain key read more than some keys of the data.
    @Test func dataKeysRead() throws {
        func keys(_ filters: String?, transform: String? = nil) throws -> Set<String>? {
            let catalog = SensorLoader.load(
                text: sensorText(filters: filters, filtersLogicalOperator: "", transform: transform), file: "s.yaml")
            return try #require(catalog.sensors.first?.dependencies.first, "\(catalog.findings)").dataKeysRead
        }
        #expect(try keys(nil) == [])
        #expect(try keys(#"{"context": {"type": "push"}}"#) == [])
        #expect(
            try keys(
                #"{"data": [{"path": "a.b", "type": "string", "value": ["x"]}, {"path": "c", "type": "bool", "value": ["true"]}], "exprs": [{"expr": "v > 1", "fields": [{"name": "v", "path": "d.0"}]}]}"#
            ) == ["a", "c", "d"])
        #expect(try keys(#"{"data": [{"path": "[a,b.c]", "type": "string", "value": ["x"]}]}"#) == ["a", "b"])
        #expect(try keys(#"{"data": [{"path": "a*", "type": "string", "value": ["x"]}]}"#) == nil)
        #expect(try keys(##"{"data": [{"path": "#", "type": "number", "value": ["1"]}]}"##) == nil)
        #expect(try keys(#"{"script": "return true"}"#) == nil)
        #expect(try keys(#"{"context": {"type": "push"}}"#, transform: #"{"jq": "."}"#) == nil)
    }

    /// Conditions on context attributes and on exact data values file a dependency under a table; `or` of several
    /// kinds, a transform, a pattern or a comparison other than equality leave it a candidate for every event.
    @Test func onlyRejectingConditionsIndex() throws {
        func dependency(_ filters: String, operator: String = "", transform: String? = nil) throws -> Dependency {
            let catalog = SensorLoader.load(
                text: sensorText(filters: filters, filtersLogicalOperator: `operator`, transform: transform),
                file: "s.yaml")
            return try #require(catalog.sensors.first?.dependencies.first, "\(catalog.findings)")
        }
        let type = try dependency(#"{"context": {"type": "push"}}"#)
        let exact = try dependency(#"{"data": [{"path": "ref", "type": "string", "value": ["^main$", "^dev$"]}]}"#)
        let number = try dependency(#"{"data": [{"path": "n", "type": "number", "value": ["2"]}]}"#)
        let pattern = try dependency(#"{"data": [{"path": "ref", "type": "string", "value": ["^ma.*$"]}]}"#)
        let greater = try dependency(#"{"data": [{"path": "n", "type": "number", "value": ["2"], "comparator": ">"}]}"#)
        let either = try dependency(
            #"{"context": {"type": "push"}, "data": [{"path": "n", "type": "number", "value": ["2"]}]}"#,
            operator: "or")
        let transformed = try dependency(#"{"context": {"type": "push"}}"#, transform: #"{"jq": "."}"#)
        let index = DependencyIndex([type, exact, number, pattern, greater, either, transformed])
        #expect(index.unconditional == [3, 4, 5, 6])
        func candidates(type: String, data: EventValue?) -> [Int] {
            index.candidates(for: makeEvent(data: data, type: type))
        }
        #expect(candidates(type: "push", data: .map(["ref": "main", "n": 2])) == [0, 1, 2, 3, 4, 5, 6])
        #expect(candidates(type: "tag", data: .map(["ref": "feature", "n": 2.0])) == [2, 3, 4, 5, 6])
        #expect(candidates(type: "tag", data: .map(["ref": "dev", "n": 3])) == [1, 3, 4, 5, 6])
        // No data passes data filters, and a missing path is an error the evaluation reports: both stay candidates.
        #expect(candidates(type: "tag", data: nil) == [1, 2, 3, 4, 5, 6])
        #expect(candidates(type: "tag", data: .map(["n": 1])) == [1, 3, 4, 5, 6])
    }
}
