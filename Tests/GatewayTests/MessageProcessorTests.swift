import ConfigReader
import EventModel
import Foundation
import JetStream
import LocalFiles
import Logging
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Synchronization
import Testing
import Triggers

@testable import Gateway

/// The ack rule, one disposition per message: what each trigger outcome, a store failure and an undecodable message
/// do to the message, the dead-letter subject and the correlation state.
struct MessageProcessorTests {
    /// Returns a fixed outcome, counts executions and records whether each firing was a repeat.
    final class FixedDispatcher: TriggerDispatching {
        let execution: TriggerExecution
        let executions = Mutex(0)
        let repeats = Mutex<[Bool]>([])

        init(_ outcome: TriggerOutcome, engine: String = "log", route: String = "") {
            execution = TriggerExecution(outcome, engine: engine, route: route)
        }

        func execute(_ firing: TriggerFiring) async -> TriggerExecution {
            executions.withLock { $0 += 1 }
            repeats.withLock { $0.append(firing.isRepeat) }
            return execution
        }
    }

    /// Records dead letters; fails while `failing` is set.
    final class RecordingDeadLetters: DeadLetterPublishing {
        let published = Mutex<[OutgoingMessage]>([])
        let failing: Bool

        init(failing: Bool = false) {
            self.failing = failing
        }

        func publishDeadLetter(_ message: OutgoingMessage) async throws {
            if failing { throw NATSError(.timeout, operation: "publish", detail: "test") }
            published.withLock { $0.append(message) }
        }
    }

    /// A store whose every call fails, as KV does while NATS is away.
    struct UnavailableStore: CorrelationStore {
        func load(sensor: String, trigger: String) async throws -> StoredCorrelation {
            throw NATSError(.timeout, operation: "kv get", detail: "test")
        }

        func save(_ state: CorrelationState, sensor: String, trigger: String, expectedRevision: UInt64) async throws
            -> UInt64
        {
            throw NATSError(.timeout, operation: "kv update", detail: "test")
        }
    }

    static let sensorText = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: s}
        spec:
          dependencies:
            - {name: a, eventSourceName: src, eventName: a}
            - {name: b, eventSourceName: src, eventName: b}
          triggers:
            - template: {name: single, conditions: a, log: {}}
            - template: {name: pair, conditions: "a && b", log: {}}

        """

    struct Fixture {
        let processor: MessageProcessor
        let dispatcher: FixedDispatcher
        let deadLetters: RecordingDeadLetters
        let store: any CorrelationStore
        let sensors: SensorSet
        let metrics: GatewayMetrics

        init(
            _ outcome: TriggerOutcome, store: any CorrelationStore = InMemoryCorrelationStore(),
            failingDLQ: Bool = false,
            engine: String = "log", route: String = ""
        ) throws {
            let catalog = SensorLoader.load(text: MessageProcessorTests.sensorText, file: "s.yaml")
            guard catalog.isValid else { throw HarnessFailure(description: "\(catalog.findings)") }
            sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
            dispatcher = FixedDispatcher(outcome, engine: engine, route: route)
            deadLetters = RecordingDeadLetters(failing: failingDLQ)
            self.store = store
            metrics = GatewayMetrics()
            processor = MessageProcessor(
                correlator: Correlator(store: store, clock: SystemClock()), dispatcher: dispatcher,
                deadLetters: deadLetters, dlqSubject: "dlq.test", retryDelay: .seconds(3), metrics: metrics,
                state: GatewayState(), logger: Logger(label: "test"))
        }

        func process(
            _ payload: [UInt8], subject: String = "events.src.a", lastDelivery: Bool = false, deliveries: UInt64 = 1,
            redeliveryPossibleFrom: ContinuousClock.Instant? = nil
        ) async -> MessageDisposition {
            let message = InboundMessage(
                subject: subject, payload: payload, headers: [:], stream: "EVENTS", streamSequence: 7,
                deliveries: lastDelivery ? 5 : deliveries, isLastDelivery: lastDelivery, publishedAt: Date(),
                redeliveryPossibleFrom: redeliveryPossibleFrom)
            return await processor.process(message, bindings: sensors.bindings[subject] ?? [])
        }
    }

    static func event(_ id: String, name: String = "a") -> [UInt8] {
        CloudEventCodec.encodeStructured(
            Event(id: id, source: "src", type: "t", subject: name, data: .map(["x": 1])), format: .messagePack)
    }

    /// `b`, held for the pair (acked once its state is written).
    static func holdB(_ fixture: Fixture) async {
        #expect(await fixture.process(Self.event("b1", name: "b"), subject: "events.src.b") == .ack)
    }

    /// The metrics of an execution carry the engine and route the dispatcher reports: for a routed trigger, the
    /// routing matrix's choice.
    @Test func metricsCarryTheExecutionsEngineAndRoute() async throws {
        let fixture = try Fixture(.succeeded(detail: "ok"), engine: "hybrid", route: "hybrid-ml-training")
        #expect(await fixture.process(Self.event("e1")) == .ack)
        let text = fixture.metrics.render()
        #expect(
            text.contains(
                #"sensor_gateway_triggers_total{sensor="s",trigger="single",engine="hybrid",outcome="succeeded",route="hybrid-ml-training"} 1"#
            ), "\(text)")
        #expect(text.contains(#"sensor_gateway_trigger_duration_seconds_count{engine="hybrid"} 1"#), "\(text)")
    }

    /// A transform's result is what the trigger receives; a transform error filters the event out (acked, counted as
    /// an error), and so does a failing script filter.
    @Test func transformedEventReachesTheTrigger() throws {
        let text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: s}
            spec:
              dependencies:
                - {name: a, eventSourceName: src, eventName: a, transform: {jq: ".x += 1"},
                   filters: {script: "return event.x == 2"}}
              triggers:
                - template: {name: single, conditions: a, log: {}}

            """
        let catalog = SensorLoader.load(text: text, file: "s.yaml")
        #expect(catalog.isValid, "\(catalog.findings)")
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let fixture = try Fixture(.succeeded(detail: "ok"))
        let bindings = sensors.bindings["events.src.a"] ?? []
        let dependencies = fixture.processor.dependencies(bindings)
        func screen(_ data: EventValue) -> MessageProcessor.Screening {
            let payload = CloudEventCodec.encodeStructured(
                Event(id: "e", source: "src", type: "t", subject: "a", data: data), format: .messagePack)
            return payload.withUnsafeBytes {
                fixture.processor.screen(
                    payload: $0, headers: [:], dependencies: dependencies, logger: { Logger(label: "test") })
            }
        }
        guard case .offers(_, let offers) = screen(.map(["x": 1])) else {
            Issue.record("the transformed event did not pass")
            return
        }
        #expect(offers.first?.transformed?.data == .map(["x": 2]))
        #expect(offers.first?.transformed?.dataContentType == "application/json")
        guard case .filteredOut = screen(.map(["x": 5])) else {
            Issue.record("the script filter let x = 6 through")
            return
        }
        guard case .filteredOut = screen(.array([1])) else {
            Issue.record("a transform error let the event through")
            return
        }
    }

    /// The sensor index offers an event only to the dependencies it can pass; the others still count it as received
    /// and filtered out, once the batch's tally is recorded.
    @Test func indexedDependenciesAreCountedPerBatch() throws {
        func sensor(_ name: String, type: String) -> String {
            """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: \(name)}
            spec:
              dependencies:
                - {name: a, eventSourceName: src, eventName: a, filters: {context: {type: \(type)}}}
              triggers:
                - template: {name: single, conditions: a, log: {}}

            """
        }
        let catalog = SensorLoader.load(
            text: sensor("pushes", type: "push") + "---\n" + sensor("tags", type: "tag"), file: "s.yaml")
        #expect(catalog.isValid, "\(catalog.findings)")
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let fixture = try Fixture(.succeeded(detail: "ok"))
        let dependencies = fixture.processor.dependencies(sensors.bindings["events.src.a"] ?? [])
        var tally = fixture.processor.tally(dependencies)
        var offered: [[String]] = []
        for type in ["push", "push", "tag"] {
            let payload = CloudEventCodec.encodeStructured(
                Event(id: "e", source: "src", type: type, subject: "a"), format: .messagePack)
            let screening = payload.withUnsafeBytes {
                fixture.processor.screen(
                    payload: $0, headers: [:], dependencies: dependencies, tally: &tally,
                    logger: { Logger(label: "test") })
            }
            guard case .offers(_, let offers) = screening else {
                Issue.record("a \(type) event reached no trigger")
                return
            }
            offered.append(offers.map(\.binding.sensor.name))
        }
        #expect(offered == [["pushes"], ["pushes"], ["tags"]])
        fixture.processor.record(tally, dependencies)
        let text = fixture.metrics.render()
        for line in [
            #"sensor_gateway_events_received_total{sensor="pushes",dependency="a"} 3"#,
            #"sensor_gateway_events_received_total{sensor="tags",dependency="a"} 3"#,
            #"sensor_gateway_events_filtered_total{sensor="pushes",dependency="a",reason="filter"} 1"#,
            #"sensor_gateway_events_filtered_total{sensor="tags",dependency="a",reason="filter"} 2"#,
        ] {
            #expect(text.contains(line), "\(text)")
        }
    }

    /// Success: ack; the single trigger fires without touching the store, the pair holds the event.
    @Test func successAcks() async throws {
        let fixture = try Fixture(.succeeded(detail: "ok"))
        #expect(await fixture.process(Self.event("e1")) == .ack)
        #expect(fixture.dispatcher.executions.withLock { $0 } == 1)
        #expect(try await fixture.store.load(sensor: "s", trigger: "single").revision == 0)
        #expect(try await fixture.store.load(sensor: "s", trigger: "pair").state.pending.map(\.dependency) == ["a"])
        #expect(fixture.deadLetters.published.withLock { $0.isEmpty })
    }

    /// A firing is a repeat (its creates read first) when its message was delivered before, or held here past the
    /// instant from which the server may have redelivered it to another replica.
    @Test func heldOrRedeliveredMessagesFireAsRepeats() async throws {
        let fixture = try Fixture(.succeeded(detail: "ok"))
        let now = ContinuousClock.now
        #expect(await fixture.process(Self.event("e1"), redeliveryPossibleFrom: now.advanced(by: .seconds(60))) == .ack)
        #expect(await fixture.process(Self.event("e2"), deliveries: 2) == .ack)
        #expect(await fixture.process(Self.event("e3"), redeliveryPossibleFrom: now.advanced(by: .seconds(-1))) == .ack)
        #expect(await fixture.process(Self.event("e4")) == .ack)
        #expect(fixture.dispatcher.repeats.withLock { $0 } == [false, true, true, false])
    }

    /// Counts the writes of an in-memory store.
    actor CountingStore: CorrelationStore {
        let store = InMemoryCorrelationStore()
        private(set) var saves = 0

        func load(sensor: String, trigger: String) async throws -> StoredCorrelation {
            await store.load(sensor: sensor, trigger: trigger)
        }

        func save(_ state: CorrelationState, sensor: String, trigger: String, expectedRevision: UInt64) async throws
            -> UInt64
        {
            saves += 1
            return try await store.save(state, sensor: sensor, trigger: trigger, expectedRevision: expectedRevision)
        }
    }

    /// The events of a batch offered only to a trigger that correlates several dependencies are correlated together:
    /// one write of the trigger's state for the batch, held events settled without an execution, and an event that
    /// completes the condition returned as a firing that runs only when executed.
    @Test func batchOfCorrelatedEventsIsOneWrite() async throws {
        let store = CountingStore()
        let fixture = try Fixture(.succeeded(detail: "ok"), store: store)
        #expect(await fixture.process(Self.event("a1")) == .ack, "`single` fires, `pair` holds a1")
        let writes = await store.saves
        let dependencies = fixture.processor.dependencies(fixture.sensors.bindings["events.src.b"] ?? [])
        func item(_ id: String) throws -> (event: Event, offers: [MessageProcessor.Offer], message: InboundMessage) {
            let payload = Self.event(id, name: "b")
            let screening = payload.withUnsafeBytes {
                fixture.processor.screen(
                    payload: $0, headers: [:], dependencies: dependencies, logger: { Logger(label: "test") })
            }
            guard screening.correlatesOnly, case .offers(let event, let offers) = screening else {
                throw HarnessFailure(description: "\(id) is not offered only to the pair")
            }
            let message = InboundMessage(
                subject: "events.src.b", payload: payload, headers: [:], stream: "EVENTS", streamSequence: 9,
                deliveries: 1, isLastDelivery: false, publishedAt: Date(), redeliveryPossibleFrom: nil)
            return (event, offers, message)
        }
        let batch = try ["b1", "b2", "b3"].map(item)
        let results = await fixture.processor.correlate(batch)
        #expect(await store.saves == writes + 1, "one write for the batch")
        #expect(results.map { $0.map(\.fires) } == [[true], [false], [false]], "b1 completes a1; b2, b3 are held")
        let held = try await store.load(sensor: "s", trigger: "pair").state.pending.map(\.event.id)
        #expect(held == ["b3"], "the latest b is held")
        #expect(fixture.dispatcher.executions.withLock { $0 } == 1, "only `single` has run")
        for (result, item) in zip(results, batch) {
            #expect(await fixture.processor.execute(result, message: item.message) == .ack)
        }
        #expect(fixture.dispatcher.executions.withLock { $0 } == 2, "the pair ran once it was executed")
    }

    /// Retryable: nak with the outcome's delay (or the configured one); the pair's firing stays recorded, so the
    /// redelivery runs both triggers again instead of holding the event.
    @Test func retryableNaks() async throws {
        let fixture = try Fixture(.retryable(reason: "503", after: .seconds(9)))
        await Self.holdB(fixture)
        #expect(await fixture.process(Self.event("e1")) == .nak(.seconds(9)))
        #expect(try await fixture.store.load(sensor: "s", trigger: "pair").state.firings.count == 1)
        #expect(await fixture.process(Self.event("e1")) == .nak(.seconds(9)))
        #expect(fixture.dispatcher.executions.withLock { $0 } == 4)
        let defaulted = try Fixture(.retryable(reason: "503", after: nil))
        #expect(await defaulted.process(Self.event("e1")) == .nak(.seconds(3)))
        // The configured delay doubles with each delivery, so an outage longer than max_deliver × retryDelay
        // still ends in a delivery, not the DLQ.
        #expect(await defaulted.process(Self.event("e1"), deliveries: 2) == .nak(.seconds(6)))
        #expect(await defaulted.process(Self.event("e1"), deliveries: 4) == .nak(.seconds(24)))
        #expect(await defaulted.process(Self.event("e1"), deliveries: 40) == .nak(.seconds(96)))
    }

    /// Retryable on the last delivery: dead-lettered as exhausted (once per trigger), then terminated; the pair's
    /// firing is forgotten.
    @Test func exhaustedIsDeadLettered() async throws {
        let fixture = try Fixture(.retryable(reason: "503", after: nil))
        await Self.holdB(fixture)
        #expect(await fixture.process(Self.event("e1"), lastDelivery: true) == .term)
        let letters = fixture.deadLetters.published.withLock { $0 }
        #expect(letters.map { $0.headers[DeadLetterHeaders.trigger] } == ["single", "pair"])
        let letter = try #require(letters.first)
        #expect(letter.subject == "dlq.test")
        #expect(letter.headers[DeadLetterHeaders.reason] == "exhausted: 503")
        #expect(letter.headers[DeadLetterHeaders.sensor] == "s")
        #expect(letter.headers[DeadLetterHeaders.streamSequence] == "7")
        #expect(letter.headers[DeadLetterHeaders.deliveries] == "5")
        #expect(try await fixture.store.load(sensor: "s", trigger: "pair").state.firings.isEmpty)
        #expect(fixture.metrics.render().contains(#"sensor_gateway_dlq_total{sensor="s",reason="exhausted"} 2"#))
    }

    /// Permanent: dead-lettered with the reason, terminated; in a redelivered copy the pair sees a duplicate and
    /// does not run again.
    @Test func permanentIsDeadLettered() async throws {
        let fixture = try Fixture(.permanent(reason: "422 invalid spec"))
        await Self.holdB(fixture)
        #expect(await fixture.process(Self.event("e1")) == .term)
        #expect(
            fixture.deadLetters.published.withLock { $0.first?.headers[DeadLetterHeaders.reason] }
                == "permanent: 422 invalid spec")
        #expect(fixture.dispatcher.executions.withLock { $0 } == 2)
        _ = await fixture.process(Self.event("e1"))
        #expect(fixture.dispatcher.executions.withLock { $0 } == 3)
    }

    /// When the dead letter cannot be stored, the message is nak'ed, not terminated.
    @Test func deadLetterFailureNaks() async throws {
        let fixture = try Fixture(.permanent(reason: "bad"), failingDLQ: true)
        #expect(await fixture.process(Self.event("e1")) == .nak(.seconds(3)))
    }

    /// The correlation store unavailable: nak; only the trigger that needs no state ran.
    @Test func storeFailureNaks() async throws {
        let fixture = try Fixture(.succeeded(detail: "ok"), store: UnavailableStore())
        #expect(await fixture.process(Self.event("e1")) == .nak(.seconds(3)))
        #expect(fixture.dispatcher.executions.withLock { $0 } == 1)
    }

    /// Undecodable: dead-lettered with the reason and the original payload, terminated, counted as invalid.
    @Test func undecodableIsDeadLettered() async throws {
        let fixture = try Fixture(.succeeded(detail: "ok"))
        #expect(await fixture.process([0xc1]) == .term)
        let letter = try #require(fixture.deadLetters.published.withLock { $0.first })
        #expect(letter.data == [0xc1])
        #expect(letter.headers[DeadLetterHeaders.reason]?.hasPrefix("undecodable") == true)
        #expect(letter.headers[DeadLetterHeaders.subject] == "events.src.a")
        #expect(fixture.metrics.render().contains("sensor_gateway_events_invalid_total"))
    }

    /// The correlation state survives its MessagePack round trip (what a restart reads back from KV).
    @Test func stateRoundTrip() throws {
        let a = Event(
            id: "a1", source: "src", type: "t", subject: "a", time: EventTimestamp(seconds: 5), data: ["k": "v"])
        let state = CorrelationState(
            pending: [PendingEvent(dependency: "a", event: a, storedAt: EventTimestamp(seconds: 9))],
            firings: [Firing(id: "f", events: ["a": a], firedAt: EventTimestamp(seconds: 10))], consumed: ["x"])
        #expect(try CorrelationStateCodec.decode(CorrelationStateCodec.encode(state), key: "k") == state)
    }

    /// KV keys: plain names as they are, others hex-encoded; always valid NATS keys.
    @Test func keyValueKeys() {
        #expect(
            KeyValueCorrelationStore.key(sensor: "model-promotion", trigger: "evaluate_model")
                == "model-promotion.evaluate_model")
        #expect(KeyValueCorrelationStore.key(sensor: "a.b", trigger: "t t") == "=612e62.=742074")
    }
}
