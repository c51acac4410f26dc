import EventModel
import Foundation
import JetStream
import JetStreamTesting
import Logging
import SensorKit
import ServiceLifecycle
import Synchronization
import Testing

@testable import Gateway

/// The engine in process with a dispatcher of the test's own (the seam the Triggers module plugs into).
@Suite(.serialized, .timeLimit(.minutes(1)), .enabled(if: NATSServerProcess.executablePath != nil))
struct GatewayEngineTests {
    /// Takes its time, counting executions.
    final class SlowDispatcher: TriggerDispatching {
        let executions = Mutex(0)
        let delay: Duration

        init(delay: Duration) {
            self.delay = delay
        }

        func execute(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) async -> TriggerOutcome {
            executions.withLock { $0 += 1 }
            try? await Task.sleep(for: delay)
            return .succeeded(detail: "slow")
        }
    }

    /// A trigger slower than `ack_wait` is not redelivered meanwhile (the consumer sends in-progress heartbeats),
    /// so it runs once, and the message is acked.
    @Test func slowTriggerIsNotRedelivered() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let specs = FileManager.default.temporaryDirectory.appendingPathComponent("sg-specs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: specs) }
        for folder in ["streams", "kv", "consumers"] {
            try FileManager.default.createDirectory(
                at: specs.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let shipped = repository.appendingPathComponent("specs/jetstream")
        for file in ["streams/events.json", "streams/dlq.json", "kv/correlations.json"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(file), to: specs.appendingPathComponent(file))
        }
        try #"{"stream_name": "EVENTS", "config": {"durable_name": "sensor-gateway", "ack_wait": "1s", "max_deliver": 5}}"#
            .write(to: specs.appendingPathComponent("consumers/template.json"), atomically: true, encoding: .utf8)

        var configuration = GatewayConfiguration()
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
        let sensors = SensorSet(sensors: catalog.sensors, files: [], subjectPrefix: "events")
        let dispatcher = SlowDispatcher(delay: .milliseconds(3500))
        let state = GatewayState()
        let engine = GatewayEngine(
            configuration: configuration, sensors: sensors, dispatcher: dispatcher, metrics: GatewayMetrics(),
            state: state, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [engine], logger: Logger(label: "test"))
        let durable = SensorSet.durableName(subject: "events.src.a")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("the engine to be ready") { state.notReadyReason == nil }
            let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
            _ = try await connection.publish(
                EventPublication.message(
                    for: Event(id: "e1", source: "src", type: "t", subject: "a"), subject: "events.src.a",
                    binaryMode: true))
            try await eventually("the trigger to complete and the message to be acked", timeout: .seconds(15)) {
                let info = try? await connection.consumerInfo(stream: "EVENTS", consumer: durable)
                return info?.ackFloorStreamSequence == 1
            }
            #expect(dispatcher.executions.withLock { $0 } == 1)
            #expect(try await connection.consumerInfo(stream: "EVENTS", consumer: durable).redelivered == 0)
            await connection.close()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
