import EventModel
import Foundation
import JetStream
import Logging
import LoopbackTesting
import SensorEngine
import SensorModel
import SensorTesting
import Synchronization
import Testing
import Triggers

@testable import Gateway

/// One firing, one id: the lines logged about a trigger's execution, the workflow it names and labels, and its
/// dead letter all carry the same ``FiringIdentity/id``.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FiringIdentityGatewayTests {
    static let sensorText = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: orders}
        spec:
          dependencies:
            - {name: a, eventSourceName: src, eventName: a}
          triggers:
            - template:
                name: submit
                argoWorkflow:
                  operation: submit
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: hello-}
                      spec:
                        entrypoint: main
                        templates:
                          - name: main
                            container: {image: alpine, command: [echo, hello]}

        """

    /// The Argo stand-in refuses the create (403, permanent): the message is dead-lettered. The firing id in the
    /// dead letter's header is the one in every log line of the trigger, in the workflow's name and in its label,
    /// and the one the identity of the sensor, trigger and event gives.
    @Test func logLinesWorkflowAndDeadLetterCarryOneFiringID() async throws {
        let standIn = try APIStandIn()
        try await standIn.fault("/api/v1/workflows/argo", status: 403, method: "POST")
        let catalog = SensorLoader.load(text: Self.sensorText, file: "orders.yaml")
        guard catalog.isValid else { throw HarnessFailure(description: "\(catalog.findings)") }
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let executor = try TriggerExecutor(configuration: .init(argo: .init(server: standIn.base)))
        let deadLetters = MessageProcessorTests.RecordingDeadLetters()
        let records = LogRecords()
        let processor = MessageProcessor(
            correlator: Correlator(store: InMemoryCorrelationStore(), clock: SystemClock()), dispatcher: executor,
            deadLetters: deadLetters, dlqSubject: "dlq.test", retryDelay: .seconds(3), metrics: GatewayMetrics(),
            state: GatewayState(),
            logger: Logger(label: "test", factory: { _ in CapturingLogHandler(records: records) }))
        let event = Event(id: "order-7", source: "shop", type: "order.created", subject: "a", data: .map(["x": 1]))
        let message = InboundMessage(
            subject: "events.src.a", payload: CloudEventCodec.encodeStructured(event, format: .messagePack),
            headers: [:], stream: "EVENTS", streamSequence: 9, deliveries: 1, isLastDelivery: false,
            publishedAt: Date())
        let disposition = await processor.process(message, bindings: sensors.bindings["events.src.a"] ?? [])
        await executor.shutdown()
        #expect(disposition == .term)

        let expected = FiringIdentity(sensor: "orders", trigger: "submit", events: ["a": event]).id
        let letter = try #require(deadLetters.published.withLock { $0.first })
        let id = try #require(letter.headers[DeadLetterHeaders.firing])
        #expect(id == expected)

        let lines = records.entries.filter { $0.metadata[LoggingKeys.trigger] == "submit" }
        #expect(lines.contains { $0.message == "trigger failed permanently" })
        #expect(lines.contains { $0.message == "dead-lettered" })
        for line in lines {
            #expect(line.metadata[LoggingKeys.firing] == "\(id)", "\(line.message)")
        }

        let creates = try await standIn.log().filter { $0.method == "POST" && $0.path == "/api/v1/workflows/argo" }
        await standIn.stop()
        #expect(creates.count == 1)
        let metadata = try #require(creates.first?.body?["workflow"]?["metadata"])
        #expect(metadata["name"]?.stringValue == "hello-" + id)
        #expect(metadata["labels"]?[FiringIdentity.firingLabel]?.stringValue == id)
    }
}
