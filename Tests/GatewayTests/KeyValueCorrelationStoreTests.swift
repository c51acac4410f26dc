import ConfigReader
import EventModel
import Foundation
import Gateway
import JetStream
import JetStreamTesting
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import SensorTesting
import Testing

/// The correlation store on a real JetStream KV bucket, shared by two correlators on two connections (two
/// replicas).
@Suite(.serialized, .timeLimit(.minutes(3)), .natsServer)
struct KeyValueCorrelationStoreTests {
    /// For each of 20 `a && b` triggers, replica 1 offers `a` while replica 2 offers `b`, at the same time: every
    /// trigger fires exactly once, whichever write wins, and nothing stays held.
    @Test func twoReplicasFireEachConditionOnce() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let first = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        let second = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        var spec = KeyValueSpec(bucket: "sensor-gateway-correlations")
        spec.history = 5
        _ = try await first.createOrUpdate(spec)
        let stores = [
            KeyValueCorrelationStore(bucket: try await first.keyValue("sensor-gateway-correlations")),
            KeyValueCorrelationStore(bucket: try await second.keyValue("sensor-gateway-correlations")),
        ]
        let replicas = stores.map { Correlator(store: $0, clock: SystemClock()) }
        var text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: pair}
            spec:
              dependencies:
                - {name: a, eventSourceName: src, eventName: a}
                - {name: b, eventSourceName: src, eventName: b}
              triggers:

            """
        for index in 0..<20 { text += "    - template: {name: t\(index), conditions: \"a && b\", log: {}}\n" }
        let sensor = try #require(SensorLoader.load(text: text, file: "pair.yaml").sensors.first)
        let fires = try await withThrowingTaskGroup(of: Int.self) { group in
            for trigger in sensor.triggers {
                for (replica, dependency) in zip(replicas, ["a", "b"]) {
                    group.addTask {
                        let event = Event(
                            id: "\(dependency)-\(trigger.name)", source: "src", type: "t", subject: dependency)
                        let decision = try await replica.offer(
                            event, dependency: dependency, trigger: trigger, sensor: "pair")
                        if case .fire = decision { return 1 }
                        return 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(fires == 20)
        for trigger in sensor.triggers {
            let stored = try await stores[0].load(sensor: "pair", trigger: trigger.name)
            #expect(stored.state.pending.isEmpty)
            #expect(stored.state.firings.count == 1)
        }
        await first.close()
        await second.close()
    }

    /// A write naming a revision that is no longer the latest is a conflict, also for a key that did not exist.
    @Test func staleWritesConflict() async throws {
        let server = try NATSServerProcess.start()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(ConnectionOptions(urls: [server.url]))
        _ = try await connection.createOrUpdate(KeyValueSpec(bucket: "sensor-gateway-correlations"))
        let store = KeyValueCorrelationStore(bucket: try await connection.keyValue("sensor-gateway-correlations"))
        let revision = try await store.save(
            CorrelationState(consumed: ["x"]), sensor: "s", trigger: "t", expectedRevision: 0)
        await #expect(throws: CorrelationConflict.self) {
            try await store.save(CorrelationState(), sensor: "s", trigger: "t", expectedRevision: 0)
        }
        _ = try await store.save(
            CorrelationState(consumed: ["y"]), sensor: "s", trigger: "t", expectedRevision: revision)
        await #expect(throws: CorrelationConflict.self) {
            try await store.save(CorrelationState(), sensor: "s", trigger: "t", expectedRevision: revision)
        }
        #expect(try await store.load(sensor: "s", trigger: "t").state.consumed == ["y"])
        await connection.close()
    }
}
