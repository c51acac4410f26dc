import ConfigReader
import EventModel
import Foundation
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import Testing
import Triggers

/// `route` triggers: each event goes through the routing matrix, and its target is executed with the same
/// idempotent naming as the sensor's own triggers.
@Suite(.serialized)
struct RouteTriggerTests {
    static let matrix = """
        apiVersion: sensor-gateway/v1alpha1
        kind: RoutingMatrix
        metadata:
          name: test
        spec:
          routes:
            - name: training
              match:
                type: com.acme.train
              engine: kubeflow
              kubeflow:
                pipeline: hello
                version: v1
                experiment: routed
                parameters:
                  - name: epochs
                    src: {dataKey: epochs, useRawData: true}
            - name: ingestion
              match:
                type: com.acme.ingest
              engine: argo
              argo:
                workflowTemplate: my-wft
                namespace: argo
                parameters:
                  - name: message
                    src: {dataKey: message}
        """

    static let sensorText = sensorYAML(
        """
            - template:
                name: to-the-matrix
                route: {}
        """)

    func routing() throws -> RoutingMatrix {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.matrix.write(toFile: directory + "/routing.yaml", atomically: true, encoding: .utf8)
        return try SensorFiles.loadRouting(file: directory + "/routing.yaml").matrix
    }

    /// Runs `body` with an executor whose Argo Server and Kubeflow API are one stand-in, routing with ``matrix``.
    func withRouting(_ body: (TriggerExecutor, APIStandIn) async throws -> Void) async throws {
        let routing = try routing()
        try await withStandIn(
            { base in
                TriggerConfiguration(
                    argo: .init(server: base), kubeflow: .init(host: base), routing: routing, clock: ManualClock())
            }, body)
    }

    static func routedEvent(type: String, id: String) -> [String: Event] {
        [
            "dep": Event(
                id: id, source: "shop", type: type, subject: "order", dataContentType: "application/json",
                data: ["epochs": 5, "message": "hi"])
        ]
    }

    @Test func routedEventsRunOnceEach() async throws {
        let loaded = try sensor(Self.sensorText)
        let trigger = try #require(loaded.triggers.first)
        try await withRouting { executor, server in
            let train = Self.routedEvent(type: "com.acme.train", id: "t-1")
            let ingest = Self.routedEvent(type: "com.acme.ingest", id: "i-1")
            #expect(await executor.execute(trigger, sensor: loaded, events: train).label == "succeeded")
            #expect(await executor.execute(trigger, sensor: loaded, events: train).label == "already_done")
            #expect(await executor.execute(trigger, sensor: loaded, events: ingest).label == "succeeded")
            #expect(await executor.execute(trigger, sensor: loaded, events: ingest).label == "already_done")
            let unrouted = await executor.execute(
                trigger, sensor: loaded, events: Self.routedEvent(type: "com.acme.other", id: "o-1"))
            guard case .permanent(let reason) = unrouted else { throw TestError("\(unrouted)") }
            #expect(reason.contains("no route matched"))
            let log = try await server.log()
            let run = try #require(log.first { $0.method == "POST" && $0.path == "/apis/v2beta1/runs" })
            #expect(run.body?["runtime_config"]?["parameters"]?["epochs"] == .int(5))
            #expect(run.body?["pipeline_version_reference"]?["pipeline_version_id"] == "v-1")
            let submit = try #require(log.first { $0.path.hasSuffix("/submit") })
            #expect(submit.body?["submitOptions"]?["parameters"] == ["message=hi"])
            #expect(log.filter { $0.method == "POST" && $0.path.hasSuffix("/runs") }.count == 1)
        }
    }

    /// A routed firing reports the engine and the route the matrix chose (the labels of its metrics); an event no
    /// route takes reports `none` and no route.
    @Test func executionNamesTheChosenEngineAndRoute() async throws {
        let loaded = try sensor(Self.sensorText)
        let trigger = try #require(loaded.triggers.first)
        try await withRouting { executor, _ in
            let train = await executor.execute(
                TriggerFiring(trigger, sensor: loaded, events: Self.routedEvent(type: "com.acme.train", id: "t-2")))
            #expect(train.outcome.isSuccess)
            #expect(train.engine == "kubeflow" && train.route == "training")
            let ingest = await executor.execute(
                TriggerFiring(trigger, sensor: loaded, events: Self.routedEvent(type: "com.acme.ingest", id: "i-2")))
            #expect(ingest.outcome.isSuccess)
            #expect(ingest.engine == "argo" && ingest.route == "ingestion")
            let other = await executor.execute(
                TriggerFiring(trigger, sensor: loaded, events: Self.routedEvent(type: "com.acme.other", id: "o-2")))
            #expect(other.outcome.label == "permanent")
            #expect(other.engine == "none" && other.route.isEmpty)
        }
    }

    /// A traced routed firing annotates its submitted workflow and notes the trace id in its run's description.
    @Test func tracedRoutesNameTheTrace() async throws {
        let loaded = try sensor(Self.sensorText)
        let trigger = try #require(loaded.triggers.first)
        try await withRouting { executor, server in
            for (type, id) in [("com.acme.train", "t-3"), ("com.acme.ingest", "i-3")] {
                var firing = TriggerFiring(trigger, sensor: loaded, events: Self.routedEvent(type: type, id: id))
                firing.trace = TriggerTrace(traceparent: TriggerTraceTests.traceparent)
                #expect(await executor.execute(firing).outcome.isSuccess)
            }
            let log = try await server.log()
            let submit = try #require(log.first { $0.path.hasSuffix("/submit") })
            #expect(
                submit.body?["submitOptions"]?["annotations"]?.stringValue
                    == "\(TriggerTrace.traceIDAnnotation)=\(TriggerTraceTests.traceID)")
            let run = try #require(log.first { $0.method == "POST" && $0.path == "/apis/v2beta1/runs" })
            #expect(
                run.body?["description"]?.stringValue
                    == "\(TriggerTrace.traceIDAnnotation): \(TriggerTraceTests.traceID)")
        }
    }

    @Test func routeTriggerWithoutMatrixIsPermanent() async throws {
        let loaded = try sensor(Self.sensorText)
        let executor = try TriggerExecutor(configuration: .init(clock: ManualClock()))
        let outcome = await executor.execute(
            try #require(loaded.triggers.first), sensor: loaded, events: Self.routedEvent(type: "x", id: "1"))
        await executor.shutdown()
        #expect(outcome.label == "permanent")
    }
}
