import ConfigReader
import EventModel
import EventSources
import Foundation
import JetStream
import JetStreamTesting
import LocalFiles
import Logging
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import ServiceLifecycle
import Synchronization
import Testing
import Triggers

@testable import Gateway

/// The engine in process with a dispatcher of the test's own (the seam the Triggers module plugs into).
@Suite(.serialized, .timeLimit(.minutes(3)), .natsServer)
struct GatewayEngineTests {
    /// Takes its time, counting executions; when cancelled (the drain timeout ran out) it reports a retryable
    /// failure, as a dispatcher whose request did not complete must.
    final class SlowDispatcher: TriggerDispatching {
        let executions = Mutex(0)
        let delay: Duration

        init(delay: Duration) {
            self.delay = delay
        }

        func execute(_ firing: TriggerFiring) async -> TriggerExecution {
            executions.withLock { $0 += 1 }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return TriggerExecution(.retryable(reason: "cancelled", after: nil), engine: "test")
            }
            return TriggerExecution(.succeeded(detail: "slow"), engine: "test")
        }
    }

    /// A nats-server, specs whose consumer template has a 2 s ack wait, and a one-dependency sensor on
    /// `events.src.a`; `run` runs the engine in a service group around `body`, then shuts it down gracefully.
    struct Fixture {
        let server: NATSServerProcess
        let specs: URL
        var configuration = GatewayConfiguration()
        let sensors: SensorSet
        let state = GatewayState()
        let records = LogRecords()
        let durable = SensorSet.durableName(subject: "events.src.a")

        static let shortAckWait =
            #"{"stream_name": "EVENTS", "config": {"durable_name": "sensor-gateway", "ack_wait": "2s", "max_deliver": 5}}"#

        init(template: String = Fixture.shortAckWait) throws {
            server = try NATSServerProcess.start()
            specs = FileManager.default.temporaryDirectory.appendingPathComponent("sg-specs-\(UUID().uuidString)")
            for folder in ["streams", "kv", "consumers"] {
                try FileManager.default.createDirectory(
                    at: specs.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            let shipped = repository.appendingPathComponent("specs/jetstream")
            for file in [
                "streams/events.json", "streams/dlq.json", "kv/correlations.json", "kv/firings.json",
            ] {
                try FileManager.default.copyItem(
                    at: shipped.appendingPathComponent(file), to: specs.appendingPathComponent(file))
            }
            try template.write(
                to: specs.appendingPathComponent("consumers/template.json"), atomically: true, encoding: .utf8)
            configuration.nats.urls = [server.url]
            configuration.specs = specs.path
            let catalog = SensorLoader.load(
                text: """
                    apiVersion: argoproj.io/v1alpha1
                    kind: Sensor
                    metadata: {name: slow}
                    spec:
                      dependencies: [{name: a, eventSourceName: src, eventName: a}]
                      triggers: [{template: {name: t, log: {}}}]

                    """, file: "slow.yaml")
            sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(at: specs)
        }

        func run(dispatcher: any TriggerDispatching, _ body: (NATSConnection) async throws -> Void) async throws {
            let records = self.records
            let engine = GatewayEngine(
                configuration: configuration, sensors: sensors, dispatcher: dispatcher, metrics: GatewayMetrics(),
                state: state, logger: Logger(label: "test") { _ in CapturingLogHandler(records: records) })
            let group = ServiceGroup(services: [engine], logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await eventually("the engine to be ready") { state.notReadyReason == nil }
                let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
                _ = try await connection.publish(
                    EventPublication.message(
                        for: Event(id: "e1", source: "src", type: "t", subject: "a"), subject: "events.src.a",
                        binaryMode: true))
                try await body(connection)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                await connection.close()
            }
        }
    }

    /// A trigger slower than the ack wait is not redelivered meanwhile (the consumer sends in-progress
    /// heartbeats), so it runs once, and the message is acked. With a `backoff`, the server's ack wait is its first
    /// value, whatever `ack_wait` says (as in the shipped template).
    @Test(arguments: [
        Fixture.shortAckWait,
        #"{"stream_name": "EVENTS", "config": {"durable_name": "sensor-gateway", "ack_wait": "30s", "max_deliver": 5, "backoff": ["2s", "5s"]}}"#,
    ])
    func slowTriggerIsNotRedelivered(template: String) async throws {
        let fixture = try Fixture(template: template)
        defer { fixture.stop() }
        let dispatcher = SlowDispatcher(delay: .seconds(5))
        try await fixture.run(dispatcher: dispatcher) { connection in
            try await eventually("the trigger to complete and the message to be acked", timeout: .seconds(15)) {
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: fixture.durable)
                return info?.ackFloorStreamSequence == 1
            }
            #expect(dispatcher.executions.withLock { $0 } == 1)
            #expect(try await connection.consumerInfo(stream: "EVENTS", consumer: fixture.durable).redelivered == 0)
        }
    }

    /// A consumer template with a `max_batch` below `processing.fetchBatch`: the pulls ask for `max_batch` (the
    /// server would refuse more), and every event is processed once and acked.
    @Test func pullsStayWithinTheConsumersMaxBatch() async throws {
        let fixture = try Fixture(
            template:
                #"{"stream_name": "EVENTS", "config": {"durable_name": "sensor-gateway", "ack_wait": "2s", "max_deliver": 5, "max_batch": 4}}"#
        )
        defer { fixture.stop() }
        let dispatcher = SlowDispatcher(delay: .zero)
        try await fixture.run(dispatcher: dispatcher) { connection in
            for index in 2...20 {
                _ = try await connection.publish(
                    EventPublication.message(
                        for: Event(id: "e\(index)", source: "src", type: "t", subject: "a"), subject: "events.src.a",
                        binaryMode: true))
            }
            try await eventually("every event to be acked", timeout: .seconds(15)) {
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: fixture.durable)
                return info?.ackFloorStreamSequence == 20
            }
            #expect(dispatcher.executions.withLock { $0 } == 20)
        }
        #expect(!fixture.records.lines.contains { $0.hasPrefix("fetch failed") })
    }

    /// Shutdown with a message still in flight past the drain timeout: it is cancelled and nak'ed, so the next
    /// reader of the consumer gets it again at once.
    @Test func drainTimeoutNaksWhatIsInFlight() async throws {
        var fixture = try Fixture()
        defer { fixture.stop() }
        fixture.configuration.processing.drainTimeout = .milliseconds(300)
        let dispatcher = SlowDispatcher(delay: .seconds(30))
        try await fixture.run(dispatcher: dispatcher) { _ in
            try await eventually("the trigger to start") { dispatcher.executions.withLock { $0 } == 1 }
        }
        let dispositions = fixture.records.lines.filter { $0.hasPrefix("disposition sent") }
        #expect(dispositions.count == 1)
        #expect(dispositions.first?.contains("nak") == true)
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [fixture.server.url]))
        let consumer = try await connection.pullConsumer(stream: "EVENTS", durable: fixture.durable)
        let again = try await consumer.fetch(.init(batchSize: 1, maxWait: .milliseconds(200)))
        #expect(try again.first?.metadata().deliveries == 2)
        await connection.close()
    }
}
