import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// Conditions and correlation: cases 47–49 of the semantics reference, latest-wins, independent state, resets.
struct CorrelationTests {
    static func sensor(
        dependencies: [String], triggers: [(String, String?)], resets: String = "", filters: [String: String] = [:],
        sameEvent: Bool = false
    ) throws -> Sensor {
        var text = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n  dependencies:\n"
        for name in dependencies {
            let event = sameEvent ? "example" : name
            text +=
                "    - {name: \(name), eventSourceName: src, eventName: \(event)\(filters[name].map { ", filters: \($0)" } ?? "")}\n"
        }
        text += "  triggers:\n"
        for (name, conditions) in triggers {
            text += "    - template:\n        name: \(name)\n"
            if let conditions { text += "        conditions: \"\(conditions)\"\n" }
            if !resets.isEmpty { text += "        conditionsReset: [{byTime: {cron: \"\(resets)\"}}]\n" }
            text += "        log: {}\n"
        }
        let (sensor, findings) = loadSensor(text)
        guard let sensor else { throw TestFailure("sensor did not load: \(findings.map(\.description))") }
        return sensor
    }

    /// Case 47: `dep-1a` in conditions names the dependency `dep_1a`; no conditions means the AND of all.
    @Test(arguments: [
        (["dep-1", "dep_1a", "dep-2", "dep-3"], "dep-1 || dep-1a || dep-3", "dep-1 || dep_1a || dep-3"),
        (["dep1"], nil, "dep1"),
        (["a", "b"], nil, "a && b"),
    ])
    func dashesAndUnderscores(dependencies: [String], conditions: String?, parsed: String) throws {
        let loaded = try Self.sensor(dependencies: dependencies, triggers: [("t", conditions)])
        #expect(loaded.triggers[0].conditions.description == parsed)
        #expect(Set(loaded.triggers[0].conditions.names).isSubset(of: dependencies), "names resolve to dependencies")
    }

    /// Case 48: T1 `(d1 && d2) || d3` and T2 `d1`, events d1, d2, d2, d3: T2 fires once, T1 twice.
    @Test func endToEndConditions() async throws {
        let sensor = try Self.sensor(
            dependencies: ["d1", "d2", "d3"], triggers: [("T1", "(d1 && d2) || d3"), ("T2", "d1")])
        let correlator = Correlator(store: InMemoryCorrelationStore(), clock: TestClock("2024-07-15T10:00:00Z"))
        var fired: [String: [[String]]] = [:]
        for (index, dependency) in ["d1", "d2", "d2", "d3"].enumerated() {
            let event = makeEvent(source: "src", subject: dependency, id: "e\(index)")
            for trigger in sensor.triggers {
                if case .fire(let events) = try await correlator.offer(
                    event, dependency: dependency, trigger: trigger, sensor: sensor.name)
                {
                    fired[trigger.name, default: []].append(events.keys.sorted())
                }
            }
        }
        #expect(fired["T2"] == [["d1"]])
        #expect(fired["T1"] == [["d1", "d2"], ["d2", "d3"]])
    }

    /// Case 49: two dependencies on the same event; one event satisfies both, unless a filter keeps one out.
    @Test(arguments: [(false, true), (true, false)])
    func duplicateDependencies(withFilters: Bool, fires: Bool) async throws {
        let filters =
            withFilters
            ? [
                "dep1": #"{"data": [{"path": "metadata.baz", "type": "string", "value": ["1.0"]}]}"#,
                "dep2": #"{"data": [{"path": "metadata.foo", "type": "string", "value": ["baz"]}]}"#,
            ]
            : [:]
        let sensor = try Self.sensor(
            dependencies: ["dep1", "dep2"], triggers: [("t", nil)], filters: filters, sameEvent: true)
        let event = makeEvent(data: json(#"{"metadata":{"baz":"1.0","foo":"bar"}}"#), source: "src", subject: "example")
        let correlator = Correlator(store: InMemoryCorrelationStore(), clock: TestClock("2024-07-15T10:00:00Z"))
        var didFire = false
        for dependency in sensor.dependencies where dependency.accepts(event) {
            let passed =
                dependency.filters?.evaluate(event, operation: dependency.filtersLogicalOperator).passed ?? true
            guard passed else { continue }
            if case .fire = try await correlator.offer(
                event, dependency: dependency.name, trigger: sensor.triggers[0], sensor: sensor.name)
            {
                didFire = true
            }
        }
        #expect(didFire == fires)
    }

    /// The latest held event of a dependency wins, and firing clears everything.
    @Test func latestWinsAndClears() async throws {
        let sensor = try Self.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let trigger = sensor.triggers[0]
        _ = try await correlator.offer(
            makeEvent(source: "src", subject: "a", id: "a1"), dependency: "a", trigger: trigger, sensor: "s")
        let second = try await correlator.offer(
            makeEvent(source: "src", subject: "a", id: "a2"), dependency: "a", trigger: trigger, sensor: "s")
        #expect(second == .hold(satisfied: ["a"], evicted: 1))
        let decision = try await correlator.offer(
            makeEvent(source: "src", subject: "b", id: "b1"), dependency: "b", trigger: trigger, sensor: "s")
        guard case .fire(let events) = decision else {
            Issue.record("expected the trigger to fire, got \(decision)")
            return
        }
        #expect(events["a"]?.id == "a2")
        #expect(events["b"]?.id == "b1")
        #expect(await store.load(sensor: "s", trigger: "t").state.pending.isEmpty)
    }

    /// Each trigger keeps its own state: one event completes X and is held for Y.
    @Test func independentTriggers() async throws {
        let sensor = try Self.sensor(dependencies: ["a", "b", "c"], triggers: [("X", "a && b"), ("Y", "b && c")])
        let correlator = Correlator(store: InMemoryCorrelationStore(), clock: TestClock("2024-07-15T10:00:00Z"))
        let x = sensor.triggers[0]
        let y = sensor.triggers[1]
        _ = try await correlator.offer(makeEvent(source: "src", subject: "a"), dependency: "a", trigger: x, sensor: "s")
        let b = makeEvent(source: "src", subject: "b", id: "b")
        let onX = try await correlator.offer(b, dependency: "b", trigger: x, sensor: "s")
        let onY = try await correlator.offer(b, dependency: "b", trigger: y, sensor: "s")
        #expect(onX == .fire(["a": makeEvent(source: "src", subject: "a"), "b": b]))
        #expect(onY == .hold(satisfied: ["b"]))
        #expect(
            try await correlator.offer(makeEvent(source: "src", subject: "a"), dependency: "a", trigger: y, sensor: "s")
                == .ignored)
    }

    /// `conditionsReset`: events held before the last cron tick no longer count.
    @Test func resetByCron() async throws {
        let sensor = try Self.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")], resets: "0 0 * * *")
        let clock = TestClock("2024-07-15T23:00:00Z")
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: clock)
        let trigger = sensor.triggers[0]
        _ = try await correlator.offer(
            makeEvent(source: "src", subject: "a", id: "old"), dependency: "a", trigger: trigger, sensor: "s")
        clock.set("2024-07-16T01:00:00Z")
        let afterReset = try await correlator.offer(
            makeEvent(source: "src", subject: "b"), dependency: "b", trigger: trigger, sensor: "s")
        #expect(afterReset == .hold(satisfied: ["b"]))
        #expect(await store.load(sensor: "s", trigger: "t").state.pending.map(\.dependency) == ["b"])
        clock.set("2024-07-16T01:30:00Z")
        let fresh = try await correlator.offer(
            makeEvent(source: "src", subject: "a", id: "new"), dependency: "a", trigger: trigger, sensor: "s")
        guard case .fire(let events) = fresh else {
            Issue.record("expected a fire, got \(fresh)")
            return
        }
        #expect(events["a"]?.id == "new")
    }

    /// The daemon's tick: `resetIfDue` drops what was held before the last tick, and `nextReset` says when to call it.
    @Test func resetOnTick() async throws {
        let sensor = try Self.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")], resets: "30 6 * * *")
        let trigger = sensor.triggers[0]
        let clock = TestClock("2024-07-15T06:00:00Z")
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: clock)
        _ = try await correlator.offer(
            makeEvent(source: "src", subject: "a"), dependency: "a", trigger: trigger, sensor: "s")
        #expect(try await correlator.resetIfDue(trigger: trigger, sensor: "s") == 0)
        #expect(trigger.nextReset(after: clock.now)?.rfc3339 == "2024-07-15T06:30:00Z")
        clock.set("2024-07-15T06:30:00Z")
        #expect(try await correlator.resetIfDue(trigger: trigger, sensor: "s") == 1)
        #expect(await store.load(sensor: "s", trigger: "t").state.pending.isEmpty)
    }

    /// Pure OR fires on every passing event, with only that event.
    @Test func orFiresPerEvent() throws {
        let sensor = try Self.sensor(dependencies: ["a", "b"], triggers: [("t", "a || b")])
        let event = makeEvent(source: "src", subject: "b")
        #expect(
            sensor.triggers[0].correlate(event, dependency: "b", pending: [], now: EventTimestamp(seconds: 0))
                == .fire(["b": event]))
    }

    /// Two correlators sharing one store (two replicas): whichever order the halves arrive in, the condition fires
    /// exactly once, and the held half is never lost.
    @Test func twoCorrelatorsFireOnce() async throws {
        let sensor = try Self.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let trigger = sensor.triggers[0]
        let store = InMemoryCorrelationStore()
        let first = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let second = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        async let onFirst = first.offer(
            makeEvent(source: "src", subject: "a", id: "a1"), dependency: "a", trigger: trigger, sensor: "s")
        async let onSecond = second.offer(
            makeEvent(source: "src", subject: "b", id: "b1"), dependency: "b", trigger: trigger, sensor: "s")
        let decisions = try await [onFirst, onSecond]
        let fires = decisions.filter { if case .fire = $0 { true } else { false } }
        #expect(fires.count == 1)
        #expect(await store.load(sensor: "s", trigger: "t").state.firings.count == 1)
    }

    /// A stale write loses: the store refuses a save naming an old revision.
    @Test func staleSaveConflicts() async throws {
        let store = InMemoryCorrelationStore()
        let revision = try await store.save(CorrelationState(), sensor: "s", trigger: "t", expectedRevision: 0)
        _ = try await store.save(
            CorrelationState(consumed: ["x"]), sensor: "s", trigger: "t", expectedRevision: revision)
        await #expect(throws: CorrelationConflict.self) {
            try await store.save(CorrelationState(), sensor: "s", trigger: "t", expectedRevision: revision)
        }
    }

    /// A redelivered event resumes its unfinished firing; once completed, a further copy is a duplicate.
    @Test func redeliveryResumesThenDuplicates() async throws {
        let sensor = try Self.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let trigger = sensor.triggers[0]
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let a = makeEvent(source: "src", subject: "a", id: "a1")
        let b = makeEvent(source: "src", subject: "b", id: "b1")
        #expect(
            try await correlator.offer(a, dependency: "a", trigger: trigger, sensor: "s") == .hold(satisfied: ["a"]))
        #expect(
            try await correlator.offer(a, dependency: "a", trigger: trigger, sensor: "s") == .hold(satisfied: ["a"]))
        let fired = try await correlator.offer(b, dependency: "b", trigger: trigger, sensor: "s")
        #expect(fired == .fire(["a": a, "b": b]))
        #expect(try await correlator.offer(b, dependency: "b", trigger: trigger, sensor: "s") == fired)
        let id = FiringIdentity(sensor: "s", trigger: "t", events: ["a": a, "b": b]).id
        #expect(await store.load(sensor: "s", trigger: "t").state.firings.map(\.id) == [id])
        try await correlator.complete(firing: id, trigger: "t", sensor: "s")
        #expect(await store.load(sensor: "s", trigger: "t").state.firings.isEmpty)
        #expect(try await correlator.offer(b, dependency: "b", trigger: trigger, sensor: "s") == .duplicate)
        #expect(try await correlator.offer(a, dependency: "a", trigger: trigger, sensor: "s") == .duplicate)
    }

    /// Firing identifiers depend on the events' identity (source and id) only, not on the order of the map.
    @Test func firingIdentifierIsStable() {
        let a = makeEvent(source: "src", subject: "a", id: "a1")
        let b = makeEvent(source: "src", subject: "b", id: "b1")
        let one = FiringIdentity(sensor: "s", trigger: "t", events: ["a": a, "b": b]).id
        #expect(one == FiringIdentity(sensor: "s", trigger: "t", events: ["b": b, "a": a]).id)
        #expect(one != FiringIdentity(sensor: "s", trigger: "u", events: ["a": a, "b": b]).id)
        let elsewhere = makeEvent(source: "other", subject: "a", id: "a1")
        #expect(one != FiringIdentity(sensor: "s", trigger: "t", events: ["a": elsewhere, "b": b]).id)
        #expect(one.count == 20)
        #expect(one.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    /// A trigger every dependency of which satisfies its conditions alone fires on each event without state.
    @Test func firesOnEachEventNeedsNoState() async throws {
        let sensor = try Self.sensor(
            dependencies: ["a", "b", "c"],
            triggers: [("one", "a"), ("any", "a || b"), ("both", "a && b"), ("mixed", "(a && b) || c")])
        #expect(sensor.triggers.map(\.firesOnEachEvent) == [true, true, false, false])
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let event = makeEvent(source: "src", subject: "b", id: "b1")
        #expect(
            try await correlator.offer(event, dependency: "b", trigger: sensor.triggers[1], sensor: "s")
                == .fire(["b": event]))
        #expect(await store.load(sensor: "s", trigger: "any").revision == 0)
    }
}
