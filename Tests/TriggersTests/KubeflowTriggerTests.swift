import ConfigReader
import EventModel
import Foundation
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import Testing
import Triggers

/// `kubeflowPipeline` triggers against the KFP API stand-in, which validates run and experiment bodies against
/// v2beta1 `v2beta1Run` / v1beta1 `apiRun` with unknown fields rejected.
@Suite(.serialized)
struct KubeflowTriggerTests {
    static let trigger = """
            - template:
                name: train
                kubeflowPipeline:
                  pipelineName: hello
                  pipelineVersionName: v2
                  experimentName: from-events
                  serviceAccount: pipeline-runner
                  pipelineRoot: minio://mlpipeline/v2/artifacts
                  runtimeParameters:
                    epochs: 3
                    message: default
                  parameters:
                    - src:
                        dependencyName: dep
                        dataKey: message
                      dest: runtimeParameters.message
                    - src:
                        dependencyName: dep
                        dataKey: count
                        useRawData: true
                      dest: runtimeParameters.count
        """

    func withKubeflow(
        _ version: KFPAPIVersion, _ body: (TriggerExecutor, APIStandIn) async throws -> Void
    ) async throws {
        try await withStandIn(
            { base in
                TriggerConfiguration(kubeflow: .init(host: base, apiVersion: version), clock: ManualClock())
            }, body)
    }

    @Test(arguments: [KFPAPIVersion.v2beta1, .v1beta1])
    func sameEventTwiceStartsOneRun(version: KFPAPIVersion) async throws {
        let sensor = try sensor(sensorYAML(Self.trigger))
        let trigger = try #require(sensor.triggers.first)
        try await withKubeflow(version) { executor, server in
            let first = await executor.execute(trigger, sensor: sensor, events: event(id: "e-7"))
            let second = await executor.execute(trigger, sensor: sensor, events: event(id: "e-7"))
            #expect(first.label == "succeeded", "\(first)")
            #expect(second.label == "already_done", "\(second)")
            let log = try await server.log()
            let runs = log.filter { $0.method == "POST" && $0.path.hasSuffix("/runs") }
            #expect(runs.count == 1)
            #expect(log.filter { $0.method == "POST" && $0.path.hasSuffix("/experiments") }.count == 1)
            let body = try #require(runs.first?.body)
            let config = version == .v2beta1 ? body["runtime_config"] : body["pipeline_spec"]?["runtime_config"]
            #expect(config?["parameters"]?["message"] == "hello")
            #expect(config?["parameters"]?["count"] == .int(3), "useRawData keeps the number")
            #expect(config?["parameters"]?["epochs"] == .int(3))
            #expect(body["service_account"] == "pipeline-runner")
            if version == .v2beta1 {
                #expect(body["pipeline_version_reference"]?["pipeline_version_id"] == "v-2")
                #expect(body["display_name"]?.stringValue?.hasPrefix("orders-train-") == true)
            } else {
                #expect(body["resource_references"]?.arrayValue?.count == 2)
            }
            let lookups = log.filter { $0.path.contains("pipelines") || $0.path.contains("pipeline_versions") }
            #expect(lookups.count == 2, "pipeline and version ids are cached: \(lookups)")
        }
    }

    @Test func lookupsExpireAfterTheirTimeToLive() async throws {
        let sensor = try sensor(sensorYAML(Self.trigger))
        let trigger = try #require(sensor.triggers.first)
        let clock = ManualClock()
        try await withStandIn({ base in
            TriggerConfiguration(kubeflow: .init(host: base, lookupTTL: .seconds(60)), clock: clock)
        }) { executor, server in
            func pipelineLookups() async throws -> Int {
                try await server.log().filter { $0.path.hasPrefix("/apis/v2beta1/pipelines/names/") }.count
            }
            _ = await executor.execute(trigger, sensor: sensor, events: event(id: "a"))
            clock.advance(.seconds(59))
            _ = await executor.execute(trigger, sensor: sensor, events: event(id: "b"))
            let withinTTL = try await pipelineLookups()
            clock.advance(.seconds(2))
            _ = await executor.execute(trigger, sensor: sensor, events: event(id: "c"))
            let afterTTL = try await pipelineLookups()
            #expect(withinTTL == 1)
            #expect(afterTTL == 2)
        }
    }

    @Test func unknownPipelineIsPermanent() async throws {
        let sensor = try sensor(
            sensorYAML(Self.trigger.replacingOccurrences(of: "pipelineName: hello", with: "pipelineName: nope")))
        let trigger = try #require(sensor.triggers.first)
        try await withKubeflow(.v2beta1) { executor, _ in
            guard case .permanent(let reason) = await executor.execute(trigger, sensor: sensor, events: event()) else {
                throw TestError("expected permanent")
            }
            #expect(reason.contains("404"))
        }
    }

    @Test func createNotFoundIsPermanentAtOnce() async throws {
        let sensor = try sensor(sensorYAML(Self.trigger))
        let trigger = try #require(sensor.triggers.first)
        try await withKubeflow(.v2beta1) { executor, server in
            try await server.fault("/apis/v2beta1/runs", status: 404, method: "POST", message: "pipeline deleted")
            let outcome = await executor.execute(trigger, sensor: sensor, events: event())
            #expect(outcome.label == "permanent", "\(outcome)")
            let creates = try await server.log().filter { $0.method == "POST" && $0.path == "/apis/v2beta1/runs" }
            #expect(creates.count == 1)
        }
    }

    @Test func ambiguousConflictIsDecidedFromDetails() async throws {
        let sensor = try sensor(sensorYAML(Self.trigger))
        let trigger = try #require(sensor.triggers.first)
        try await withKubeflow(.v2beta1) { executor, server in
            try await server.fault("/apis/v2beta1/runs", status: 409, method: "POST", message: "Aborted: bad request")
            guard case .permanent(let reason) = await executor.execute(trigger, sensor: sensor, events: event()) else {
                throw TestError("an Aborted 409 is a bad request")
            }
            #expect(reason.contains("409"))
            try await server.fault("/apis/v2beta1/runs", status: 409, method: "POST", message: "run already exists")
            let outcome = await executor.execute(trigger, sensor: sensor, events: event(id: "e-2"))
            #expect(outcome.label == "already_done", "an AlreadyExists 409 is the run itself")
        }
    }

    @Test func unavailableIsRetryableAndTheRetryChecksFirst() async throws {
        let sensor = try sensor(sensorYAML(Self.trigger))
        let trigger = try #require(sensor.triggers.first)
        try await withKubeflow(.v2beta1) { executor, server in
            try await server.fault("/apis/v2beta1/runs", status: 503, method: "POST")
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "retryable")
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "succeeded")
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "already_done")
        }
    }

    @Test func routingEntryPointCreatesARun() async throws {
        try await withKubeflow(.v2beta1) { executor, server in
            let spec = KFPRunSpec(pipeline: .id("p-hello"), runtimeParameters: ["threshold": 0.5])
            let identity = FiringIdentity(
                sensor: "routing", trigger: "anomaly", keys: ["event": .init(source: "src", id: "x-1")])
            #expect(await executor.createRun(spec, identity: identity).label == "succeeded")
            #expect(await executor.createRun(spec, identity: identity).label == "already_done")
            let run = try #require(try await server.log().first { $0.method == "POST" })
            #expect(run.body?["experiment_id"] == nil, "no experiment: the default one")
        }
    }
}
