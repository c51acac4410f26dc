import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// A flood of unmatched half-correlations: a trigger holds at most one event per dependency (the latest wins), so its
/// state stays bounded by its dependency count however many events arrive, and each replaced event is reported as
/// evicted so the gateway can count it.
struct CorrelationFloodTests {
    /// 5,000 `a` events and no `b`: one held event throughout, 4,999 evictions, and `b` fires with the newest `a`.
    @Test func floodOfOneDependencyStaysAtOneHeldEvent() async throws {
        let sensor = try CorrelationTests.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let trigger = sensor.triggers[0]
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let flood = 5_000
        var evictedTotal = 0
        var largestHeld = 0
        for index in 0..<flood {
            let decision = try await correlator.offer(
                makeEvent(source: "src", subject: "a", id: "a\(index)"), dependency: "a", trigger: trigger, sensor: "s")
            guard case .hold(let satisfied, let evicted) = decision else {
                Issue.record("event \(index): expected a hold, got \(decision)")
                return
            }
            #expect(satisfied == ["a"])
            #expect(evicted == (index == 0 ? 0 : 1), "event \(index)")
            evictedTotal += evicted
            largestHeld = max(largestHeld, await store.load(sensor: "s", trigger: "t").state.pending.count)
        }
        #expect(largestHeld == 1)
        #expect(evictedTotal == flood - 1)
        let stored = await store.load(sensor: "s", trigger: "t").state
        #expect(stored.pending.map(\.event.id) == ["a\(flood - 1)"])
        #expect(stored.consumed.isEmpty && stored.firings.isEmpty)
        let fired = try await correlator.offer(
            makeEvent(source: "src", subject: "b", id: "b0"), dependency: "b", trigger: trigger, sensor: "s")
        guard case .fire(let events) = fired else {
            Issue.record("expected the trigger to fire, got \(fired)")
            return
        }
        #expect(events["a"]?.id == "a\(flood - 1)")
    }

    /// Two dependencies of `a && b && c` flooded in turn: the state never holds more than those two, and every
    /// event after the first of its dependency evicts one.
    @Test func interleavedFloodIsBoundedByTheDependencies() async throws {
        let sensor = try CorrelationTests.sensor(dependencies: ["a", "b", "c"], triggers: [("t", "a && b && c")])
        let trigger = sensor.triggers[0]
        let store = InMemoryCorrelationStore()
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        var evictedTotal = 0
        for index in 0..<1_000 {
            let dependency = index.isMultiple(of: 2) ? "a" : "b"
            let decision = try await correlator.offer(
                makeEvent(source: "src", subject: dependency, id: "\(dependency)\(index)"), dependency: dependency,
                trigger: trigger, sensor: "s")
            guard case .hold(_, let evicted) = decision else {
                Issue.record("event \(index): expected a hold, got \(decision)")
                return
            }
            evictedTotal += evicted
            #expect(await store.load(sensor: "s", trigger: "t").state.pending.count <= 2)
        }
        #expect(evictedTotal == 998)
    }

    /// A redelivered copy of the held event is not an eviction (the same event is held already).
    @Test func redeliveryOfTheHeldEventEvictsNothing() async throws {
        let sensor = try CorrelationTests.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let trigger = sensor.triggers[0]
        let correlator = Correlator(store: InMemoryCorrelationStore(), clock: TestClock("2024-07-15T10:00:00Z"))
        let event = makeEvent(source: "src", subject: "a", id: "a1")
        #expect(
            try await correlator.offer(event, dependency: "a", trigger: trigger, sensor: "s") == .hold(satisfied: ["a"])
        )
        #expect(
            try await correlator.offer(event, dependency: "a", trigger: trigger, sensor: "s")
                == .hold(satisfied: ["a"], evicted: 0))
    }
}
