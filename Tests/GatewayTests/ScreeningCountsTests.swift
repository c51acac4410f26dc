import EventModel
import Foundation
import Logging
import SensorEngine
import SensorModel
import Testing
import Triggers

@testable import Gateway

/// How screening counts each dependency's and filter's passes and rejections (what `/api/sensors` shows): a filter
/// rejects an event when it is the first, in evaluation order, that failed for a rejected event; the sensor index
/// rejects for the dependency without evaluating a filter.
struct ScreeningCountsTests {
    /// `indexed`: one data filter the index decides on (boolean equality). `kinds`: an `exprs` and a `data` filter
    /// combined with `and`, both evaluated for every event. `either`: two data filters combined with `or`.
    static let sensorText = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: s}
        spec:
          dependencies:
            - name: indexed
              eventSourceName: src
              eventName: a
              filters:
                data:
                  - {path: ok, type: bool, value: ["true"]}
            - name: kinds
              eventSourceName: src
              eventName: a
              filters:
                exprs:
                  - {expr: "n > 10", fields: [{name: n, path: n}]}
                data:
                  - {path: kind, type: string, value: ["order"]}
            - name: either
              eventSourceName: src
              eventName: a
              filters:
                dataLogicalOperator: or
                data:
                  - {path: kind, type: string, value: ["order"]}
                  - {path: kind, type: string, value: ["refund"]}
          triggers:
            - template: {name: t, conditions: "indexed || kinds || either", log: {}}

        """

    static func event(_ id: String, _ data: EventMap) -> [UInt8] {
        CloudEventCodec.encodeStructured(
            Event(id: id, source: "src", type: "t", subject: "a", data: .map(data)), format: .messagePack)
    }

    /// Screens `events` (at info level, so the index is used) and returns the counts of each dependency.
    static func counts(after events: [[UInt8]]) async throws -> [String: ScreeningCounts] {
        let catalog = SensorLoader.load(text: sensorText, file: "s.yaml")
        #expect(catalog.findings.isEmpty, "\(catalog.findings)")
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let state = GatewayState()
        var logger = Logger(label: "test")
        logger.logLevel = .info
        let processor = MessageProcessor(
            correlator: Correlator(store: InMemoryCorrelationStore(), clock: SystemClock()),
            dispatcher: DLQTriggerTests.ScriptedDispatcher(failing: [], with: .succeeded(detail: "ok")),
            deadLetters: MessageProcessorTests.RecordingDeadLetters(), dlqSubject: "dlq.test", retryDelay: .seconds(1),
            metrics: GatewayMetrics(), state: state, logger: logger)
        for (number, payload) in events.enumerated() {
            let message = InboundMessage(
                subject: "events.src.a", payload: payload, headers: [:], stream: "EVENTS",
                streamSequence: UInt64(number + 1), deliveries: 1, isLastDelivery: false, publishedAt: Date())
            _ = await processor.process(message, bindings: sensors.bindings["events.src.a"] ?? [])
        }
        var result: [String: ScreeningCounts] = [:]
        for dependency in catalog.sensors[0].dependencies {
            result[dependency.name] = state.screening.current(
                sensor: "s", dependency: dependency.name, filters: dependency.filterDescriptions)
        }
        return result
    }

    @Test func theIndexRejectsForTheDependencyWithoutCountingItsFilter() async throws {
        let counts = try await Self.counts(after: [
            Self.event("e1", ["ok": true]), Self.event("e2", ["ok": false]), Self.event("e3", ["ok": false]),
        ])
        let indexed = try #require(counts["indexed"])
        #expect(indexed.passed == 1)
        #expect(indexed.rejected == 2)
        #expect(indexed.filtersPassed == [1])
        #expect(indexed.filtersRejected == [0], "the index ruled the two out; the filter never saw them")
    }

    @Test func theFirstFailingFilterIsTheOneThatRejects() async throws {
        let counts = try await Self.counts(after: [
            Self.event("both-pass", ["n": 20, "kind": "order"]),
            Self.event("both-fail", ["n": 1, "kind": "refund"]),
            Self.event("data-fails", ["n": 20, "kind": "refund"]),
        ])
        let kinds = try #require(counts["kinds"])
        #expect(kinds.passed == 1)
        #expect(kinds.rejected == 2)
        // `exprs` is evaluated first: it rejected `both-fail` (whose data filter failed too, and counts nothing).
        #expect(kinds.filtersPassed == [2, 1])
        #expect(kinds.filtersRejected == [1, 1])
    }

    @Test func withOrTheFirstFailureOfARejectedEventIsCounted() async throws {
        let counts = try await Self.counts(after: [
            Self.event("order", ["kind": "order"]), Self.event("refund", ["kind": "refund"]),
            Self.event("other", ["kind": "other"]),
        ])
        let either = try #require(counts["either"])
        #expect(either.passed == 2)
        #expect(either.rejected == 1)
        // `or` stops at the first filter that passes: `order` never reaches the second filter.
        #expect(either.filtersPassed == [1, 1])
        #expect(either.filtersRejected == [1, 0])
    }

    @Test func changedFiltersStartFromZero() {
        let counters = ScreeningCounters()
        let before = [FilterDescription(kind: "data", text: "x")]
        counters.counts(sensor: "s", dependency: "d", filters: before).add(passed: 3, rejected: 1, filters: [3, 1])
        #expect(counters.current(sensor: "s", dependency: "d", filters: before)?.passed == 3)
        let after = [FilterDescription(kind: "data", text: "y")]
        #expect(counters.current(sensor: "s", dependency: "d", filters: after) == nil)
        #expect(counters.counts(sensor: "s", dependency: "d", filters: after).current == ScreeningCounts(filters: 1))
    }
}
