import Artifacts
import EventModel
import LoopbackTesting
import SensorModel
import Testing
import Triggers

/// `source.configmap` through an in-memory ``ConfigMapReading``: the key's value is the resource, reads are cached
/// for the time-to-live, and a missing ConfigMap or key is a permanent error naming it.
struct ConfigMapArtifactTests {
    @Test func readsTheKeyAndCachesTheConfigMap() async throws {
        let maps = InMemoryConfigMaps(["argo/workflows": ["wf": "kind: Workflow\n"]])
        let time = ManualTime()
        let configuration = ArtifactReader.Configuration(configMaps: maps, configMapTTL: .seconds(10), now: time.now)
        try await withReader(configuration) { (reader) async throws in
            let location = ArtifactLocation.configMap(ConfigMapArtifact(name: "workflows", key: "wf"))
            #expect(try await reader.read(location, namespace: "argo") == "kind: Workflow\n")
            maps.set("argo/workflows", ["wf": "kind: Workflow # edited\n"])
            time.advance(.seconds(9))
            #expect(try await reader.read(location, namespace: "argo") == "kind: Workflow\n")
            #expect(maps.reads == 1)
            time.advance(.seconds(1))
            #expect(try await reader.read(location, namespace: "argo") == "kind: Workflow # edited\n")
            #expect(maps.reads == 2)
        }
    }

    @Test func missingConfigMapOrKeyIsPermanent() async throws {
        let maps = InMemoryConfigMaps(["argo/workflows": ["wf": "kind: Workflow\n", "other": ""]])
        try await withReader(.init(configMaps: maps)) { (reader) async throws in
            let missingMap = await artifactError {
                () async throws(ArtifactError) -> String in
                try await reader.read(.configMap(ConfigMapArtifact(name: "absent", key: "wf")), namespace: "argo")
            }
            #expect(missingMap?.description == "source configmap argo/absent key wf: the ConfigMap does not exist")
            #expect(missingMap?.isRetryable == false)
            let missingKey = await artifactError {
                () async throws(ArtifactError) -> String in
                try await reader.read(
                    .configMap(ConfigMapArtifact(name: "workflows", key: "workflow", namespace: "argo")),
                    namespace: "elsewhere")
            }
            #expect(
                missingKey?.description
                    == "source configmap argo/workflows key workflow: the ConfigMap has no key workflow (it has other, wf)"
            )
            #expect(missingKey?.kind == .notFound && missingKey?.isRetryable == false)
        }
    }

    @Test func withoutAKubernetesAPIAConfigMapSourceFailsPermanently() async throws {
        try await withReader(.init()) { (reader) async throws in
            let error = await artifactError {
                () async throws(ArtifactError) -> String in
                try await reader.read(.configMap(ConfigMapArtifact(name: "workflows", key: "wf")), namespace: "argo")
            }
            #expect(error?.kind == .configuration && error?.isRetryable == false)
            #expect(error?.message.hasPrefix("no Kubernetes API is configured to read ConfigMaps") == true)
        }
    }

    /// trigger-source-configmap.yaml's source on an argoWorkflow trigger, through the executor: the Workflow comes
    /// from the ConfigMap in the Sensor's namespace, and is created in it.
    @Test func argoWorkflowFromAConfigMap() async throws {
        let maps = InMemoryConfigMaps(["events/workflow-cm": ["wf": workflowYAML("from-configmap")]])
        let sensor = try sensor(
            triggers: """
                    - template:
                        name: workflow-trigger
                        argoWorkflow:
                          operation: submit
                          source:
                            configmap:
                              name: workflow-cm
                              key: wf
                """, namespace: "events")
        try await withArgo({ $0.artifacts.configMaps = maps }) { executor, server in
            let outcome = await executor.execute(sensor.triggers[0], sensor: sensor, events: event())
            #expect(outcome.label == "succeeded", "\(outcome)")
            let names = try await createdWorkflows(server)
            #expect(names.count == 1 && names[0].hasPrefix("from-configmap-"))
            #expect(try await server.log().first?.path == "/api/v1/workflows/events")
        }
    }
}
