import ConfigReader
import EventModel
import Foundation
import JetStream
import Logging
import SensorEngine
import SensorModel
import Synchronization
import Testing
import Triggers

@testable import Gateway

/// `dlqTrigger`, as Argo Events runs it: when a trigger fails for good, its `dlqTrigger` runs with the same events,
/// besides the dead letter; both outcomes are counted.
struct DLQTriggerTests {
    /// Fails the triggers named in `failing` with `outcome`; every other trigger succeeds. Records each firing.
    final class ScriptedDispatcher: TriggerDispatching {
        let failing: Set<String>
        let outcome: TriggerOutcome
        let firings = Mutex<[(trigger: String, eventIDs: [String: String], id: String)]>([])

        init(failing: Set<String>, with outcome: TriggerOutcome) {
            self.failing = failing
            self.outcome = outcome
        }

        func execute(_ firing: TriggerFiring) async -> TriggerExecution {
            firings.withLock {
                $0.append((firing.trigger.name, firing.identity.eventIDs, firing.identity.id))
            }
            return TriggerExecution(
                failing.contains(firing.trigger.name) ? outcome : .succeeded(detail: "ok"), engine: "log", route: "")
        }
    }

    static let sensorText = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: s}
        spec:
          dependencies:
            - {name: a, eventSourceName: src, eventName: a}
          triggers:
            - template: {name: submit, log: {}}
              atLeastOnce: true
              dlqTrigger:
                template: {name: notify, log: {}}
                atLeastOnce: true

        """

    func process(_ dispatcher: ScriptedDispatcher, lastDelivery: Bool) async throws -> (
        MessageDisposition, MessageProcessorTests.RecordingDeadLetters, GatewayMetrics
    ) {
        let catalog = SensorLoader.load(text: Self.sensorText, file: "s.yaml")
        #expect(catalog.findings.isEmpty, "\(catalog.findings)")
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let deadLetters = MessageProcessorTests.RecordingDeadLetters()
        let metrics = GatewayMetrics()
        let processor = MessageProcessor(
            correlator: Correlator(store: InMemoryCorrelationStore(), clock: SystemClock()), dispatcher: dispatcher,
            deadLetters: deadLetters, dlqSubject: "dlq.test", retryDelay: .seconds(3), metrics: metrics,
            state: GatewayState(), logger: Logger(label: "test"))
        let message = InboundMessage(
            subject: "events.src.a", payload: MessageProcessorTests.event("e1"), headers: [:], stream: "EVENTS",
            streamSequence: 7, deliveries: lastDelivery ? 5 : 1, isLastDelivery: lastDelivery, publishedAt: Date())
        let disposition = await processor.process(message, bindings: sensors.bindings["events.src.a"] ?? [])
        return (disposition, deadLetters, metrics)
    }

    /// A permanent failure runs the dlqTrigger with the same events, and the message is still dead-lettered.
    @Test func permanentFailureRunsTheDLQTrigger() async throws {
        let dispatcher = ScriptedDispatcher(failing: ["submit"], with: .permanent(reason: "422 invalid spec"))
        let (disposition, deadLetters, metrics) = try await process(dispatcher, lastDelivery: false)
        #expect(disposition == .term)
        let firings = dispatcher.firings.withLock { $0 }
        #expect(firings.map(\.trigger) == ["submit", "notify"])
        #expect(firings.last?.eventIDs == ["a": "e1"])
        #expect(firings.first?.id != firings.last?.id, "the dlqTrigger's firing has an id of its own")
        let letter = try #require(deadLetters.published.withLock { $0.first })
        #expect(letter.headers[DeadLetterHeaders.trigger] == "submit")
        #expect(letter.headers[DeadLetterHeaders.firing] == firings.first?.id)
        let text = metrics.render()
        #expect(text.contains(#"trigger="submit",engine="log",outcome="permanent""#), "\(text)")
        #expect(text.contains(#"trigger="notify",engine="log",outcome="succeeded""#), "\(text)")
    }

    /// A retryable failure runs the dlqTrigger only on the last delivery (retries exhausted).
    @Test(arguments: [false, true])
    func retryableFailureRunsTheDLQTriggerOnTheLastDelivery(lastDelivery: Bool) async throws {
        let dispatcher = ScriptedDispatcher(failing: ["submit"], with: .retryable(reason: "503", after: nil))
        let (disposition, deadLetters, _) = try await process(dispatcher, lastDelivery: lastDelivery)
        let triggers = dispatcher.firings.withLock { $0.map(\.trigger) }
        #expect(triggers == (lastDelivery ? ["submit", "notify"] : ["submit"]))
        #expect(deadLetters.published.withLock { $0.count } == (lastDelivery ? 1 : 0))
        #expect(disposition == (lastDelivery ? .term : .nak(.seconds(3))))
    }

    /// A failing dlqTrigger changes nothing else: the dead letter keeps the event.
    @Test func failingDLQTriggerStillDeadLetters() async throws {
        let dispatcher = ScriptedDispatcher(failing: ["submit", "notify"], with: .permanent(reason: "down"))
        let (disposition, deadLetters, metrics) = try await process(dispatcher, lastDelivery: false)
        #expect(dispatcher.firings.withLock { $0.map(\.trigger) } == ["submit", "notify"])
        #expect(disposition == .term)
        #expect(deadLetters.published.withLock { $0.count } == 1)
        #expect(metrics.render().contains(#"trigger="notify",engine="log",outcome="permanent""#))
    }

    /// A dlqTrigger has no dlqTrigger of its own: a located error naming the field.
    @Test func nestedDLQTriggerIsALoadError() {
        let text = Self.sensorText.replacingOccurrences(
            of: "        template: {name: notify, log: {}}\n",
            with: "        template: {name: notify, log: {}}\n        dlqTrigger: {template: {name: again, log: {}}}\n")
        let catalog = SensorLoader.load(text: text, file: "s.yaml")
        #expect(catalog.sensors.isEmpty)
        #expect(
            catalog.findings.map(\.description).contains {
                $0.hasPrefix("s.yaml:12:9: error: not supported: spec.triggers[0].dlqTrigger.dlqTrigger")
            }, "\(catalog.findings)")
    }
}
