import EventModel
import SensorModel
import SensorTesting
import Testing

@testable import SensorEngine

/// How the correlator writes: changes to one trigger's state committed in groups, no read before a compare-and-set
/// of a state it knows, and what another process wrote seen through the conflict or a confirming read.
struct CorrelationCommitTests {
    /// An in-memory store counting reads and writes; its first write waits until `release()`.
    actor CountingStore: CorrelationStore {
        let inner = InMemoryCorrelationStore()
        private(set) var loads = 0
        private(set) var saves = 0
        private var gate: CheckedContinuation<Void, Never>?
        private var gated: Bool

        init(gated: Bool = false) { self.gated = gated }

        func load(sensor: String, trigger: String) async throws -> StoredCorrelation {
            loads += 1
            return await inner.load(sensor: sensor, trigger: trigger)
        }

        func save(_ state: CorrelationState, sensor: String, trigger: String, expectedRevision: UInt64) async throws
            -> UInt64
        {
            saves += 1
            if gated {
                gated = false
                await withCheckedContinuation { gate = $0 }
            }
            return try await inner.save(state, sensor: sensor, trigger: trigger, expectedRevision: expectedRevision)
        }

        func release() {
            gate?.resume()
            gate = nil
        }

        var isWaiting: Bool { gate != nil }
    }

    static func event(_ dependency: String, _ id: String) -> Event {
        makeEvent(source: "src", subject: dependency, id: id)
    }

    /// Offers made in one call: each trigger's share committed in one write (after the write in flight it waits
    /// for), the triggers concurrently, and each result the decision the offers made one at a time would give.
    @Test func offersMadeTogetherShareOneWritePerTrigger() async throws {
        let sensor = try CorrelationTests.sensor(
            dependencies: ["a", "b", "c"], triggers: [("ab", "a && b"), ("ac", "a && c"), ("single", "a")])
        let (ab, ac, single) = (sensor.triggers[0], sensor.triggers[1], sensor.triggers[2])
        let store = CountingStore(gated: true)
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let first = Task {
            try await correlator.offer(Self.event("b", "b0"), dependency: "b", trigger: ab, sensor: "s")
        }
        while await !store.isWaiting { await Task.yield() }
        let (a1, a2, c1) = (Self.event("a", "a1"), Self.event("a", "a2"), Self.event("c", "c1"))
        let batch = Task {
            await correlator.correlate([
                Correlator.Offer(a1, dependency: "a", trigger: ab, sensor: "s"),
                Correlator.Offer(a1, dependency: "a", trigger: ac, sensor: "s"),
                Correlator.Offer(a1, dependency: "a", trigger: single, sensor: "s"),
                Correlator.Offer(c1, dependency: "c", trigger: ac, sensor: "s"),
                Correlator.Offer(a2, dependency: "a", trigger: ab, sensor: "s"),
                Correlator.Offer(c1, dependency: "c", trigger: ab, sensor: "s"),
            ])
        }
        // `ac` is written while `ab` waits for the write in flight.
        try await Task.sleep(for: .milliseconds(200))
        await store.release()
        #expect(try await first.value == .hold(satisfied: ["b"]))
        let decisions = try await batch.value.map { try $0.get().decision }
        #expect(
            decisions == [
                .fire(["a": a1, "b": Self.event("b", "b0")]), .hold(satisfied: ["a"]), .fire(["a": a1]),
                .fire(["a": a1, "c": c1]), .hold(satisfied: ["a"]), .ignored,
            ])
        #expect(await store.saves == 3, "the write in flight, then one for `ab` and one for `ac`")
        #expect(try await correlator.state(trigger: "ab", sensor: "s").pending.map(\.event) == [a2])
    }

    /// 50 `a` events offered together while the first write is in flight: each is held (acknowledgeable) only once a
    /// write holding it or a later `a` is stored; the waiting ones share writes, the state is read once, and the
    /// latest `a` is what `b` fires with.
    @Test func waitingChangesShareOneWrite() async throws {
        let sensor = try CorrelationTests.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let trigger = sensor.triggers[0]
        let store = CountingStore(gated: true)
        let correlator = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let first = Task {
            try await correlator.offer(Self.event("a", "a0"), dependency: "a", trigger: trigger, sensor: "s")
        }
        while await !store.isWaiting { await Task.yield() }
        let decisions = try await withThrowingTaskGroup(of: CorrelationDecision.self) { group in
            for index in 1..<50 {
                group.addTask {
                    try await correlator.offer(
                        Self.event("a", "a\(index)"), dependency: "a", trigger: trigger, sensor: "s")
                }
            }
            // The offers reach the correlator while the first write waits.
            try await Task.sleep(for: .milliseconds(200))
            await store.release()
            return try await group.reduce(into: [try await first.value]) { $0.append($1) }
        }
        #expect(decisions.allSatisfy { if case .hold(["a"], _) = $0 { true } else { false } })
        #expect(await store.loads == 1)
        #expect(await store.saves < 50)
        let held = try await correlator.state(trigger: "t", sensor: "s").pending
        #expect(held.count == 1)
        let fired = try await correlator.offer(Self.event("b", "b0"), dependency: "b", trigger: trigger, sensor: "s")
        #expect(fired == .fire(["a": held[0].event, "b": Self.event("b", "b0")]))
        #expect(await store.loads == 2, "only the state() above read the store again")
    }

    /// Two correlators on one store: the one whose known state is stale loses its compare-and-set, reads, and
    /// decides again; a decision that writes nothing (a redelivered event of a firing the other completed) is
    /// confirmed by a read, not taken from the stale state.
    @Test func staleKnownStateIsReadAgain() async throws {
        let sensor = try CorrelationTests.sensor(dependencies: ["a", "b"], triggers: [("t", "a && b")])
        let trigger = sensor.triggers[0]
        let store = InMemoryCorrelationStore()
        let first = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let second = Correlator(store: store, clock: TestClock("2024-07-15T10:00:00Z"))
        let a = Self.event("a", "a1")
        let b = Self.event("b", "b1")
        #expect(try await first.offer(a, dependency: "a", trigger: trigger, sensor: "s") == .hold(satisfied: ["a"]))
        // The first has a fired state in mind; the second completes that firing.
        #expect(try await first.offer(b, dependency: "b", trigger: trigger, sensor: "s") == .fire(["a": a, "b": b]))
        try await second.complete(
            firing: FiringIdentity(sensor: "s", trigger: "t", events: ["a": a, "b": b]).id, trigger: "t", sensor: "s")
        #expect(try await first.offer(b, dependency: "b", trigger: trigger, sensor: "s") == .duplicate)
        // The second holds an `a`; the first, which knows an older revision, holds a `b` and so fires.
        let a2 = Self.event("a", "a2")
        let b2 = Self.event("b", "b2")
        #expect(try await second.offer(a2, dependency: "a", trigger: trigger, sensor: "s") == .hold(satisfied: ["a"]))
        #expect(try await first.offer(b2, dependency: "b", trigger: trigger, sensor: "s") == .fire(["a": a2, "b": b2]))
        #expect(await store.load(sensor: "s", trigger: "t").state.firings.count == 1)
    }
}
