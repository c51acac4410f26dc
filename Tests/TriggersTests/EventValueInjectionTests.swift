import ConfigReader
import EventModel
import Foundation
import HTTPTransport
import LoopbackTesting
import SensorEngine
import SensorLanguage
import SensorModel
import Testing
import Triggers

/// Security: an event value cannot change a workflow's structure. A field full of YAML and JSON metacharacters
/// (quotes, braces, a document separator, a YAML mapping, Go-template and shell syntax, control characters) reaches
/// the API as one string value at the parameter's destination, and the rest of the request is what it would be
/// with a harmless value: Argo inline submit, Argo submit from a template, a KFP run parameter and an http payload,
/// as the Argo/KFP stand-in received them.
struct EventValueInjectionTests {
    static let hostile = """
        x", "injected": true}], "spec": {"serviceAccountName": "admin"}}
        ---
        apiVersion: v1
        kind: Pod
        spec: {hostPID: true, containers: [{name: "a", image: "evil"}]}
        - name: extra
          value: '1' # {{.Input.body}} ${HOME} $(id) `id` \\ \\" \t\r&anchor *alias !!python/object:os.system é
        """

    static func hostileEvent() -> [String: Event] {
        event(id: "evt-hostile", data: ["message": .string(hostile), "count": 3])
    }

    /// The inline Workflow carries the value in `spec.arguments.parameters[0].value`, and nothing else moved.
    @Test func argoInlineWorkflowGetsOneString() async throws {
        let loaded = try sensor(sensorYAML(ArgoTriggerTests.inlineWorkflow))
        let trigger = try #require(loaded.triggers.first)
        try await withStandIn({ base in
            TriggerConfiguration(argo: .init(server: base), clock: ManualClock())
        }) { executor, server in
            let outcome = await executor.execute(trigger, sensor: loaded, events: Self.hostileEvent())
            let harmless = await executor.execute(trigger, sensor: loaded, events: event(id: "evt-harmless"))
            #expect(outcome.label == "succeeded", "\(outcome)")
            #expect(harmless.label == "succeeded", "\(harmless)")
            let creates = try await server.log().filter { $0.method == "POST" && $0.path == "/api/v1/workflows/argo" }
            #expect(creates.count == 2)
            let hostileBody = try #require(creates.first?.body?["workflow"])
            let harmlessBody = try #require(creates.last?.body?["workflow"])
            let parameters = hostileBody["spec"]?["arguments"]?["parameters"]
            #expect(parameters == [["name": "message", "value": .string(Self.hostile)]])
            #expect(hostileBody["spec"]?["serviceAccountName"] == nil)
            #expect(hostileBody["injected"] == nil)
            // Same structure as with a harmless value: only that one value (and the deterministic name and labels,
            // which come from the event id) differ.
            #expect(Self.shape(hostileBody) == Self.shape(harmlessBody))
            #expect(hostileBody["spec"]?["templates"] == harmlessBody["spec"]?["templates"])
        }
    }

    /// Submit from a template: Argo's `submitOptions.parameters` entry is `name=value` with the whole value after
    /// the first `=`; newlines and commas stay inside it.
    @Test func argoSubmitOptionsKeepTheValueWhole() throws {
        let request = try ArgoRequests.submit(
            namespace: "argo", kind: .workflowTemplate, template: "wft",
            options: .init(name: "evt-1", parameters: [("message", Self.hostile)]))
        #expect(request.body?["submitOptions"]?["parameters"] == [.string("message=" + Self.hostile)])
        #expect(request.body?["resourceName"] == "wft")
        #expect(request.body?["submitOptions"]?["serviceAccount"] == nil)
    }

    /// The KFP run parameter `message` is the string; the other parameters and the run's references are unchanged.
    @Test func kubeflowRunParameterIsOneString() async throws {
        let loaded = try sensor(sensorYAML(KubeflowTriggerTests.trigger))
        let trigger = try #require(loaded.triggers.first)
        try await withStandIn({ base in
            TriggerConfiguration(kubeflow: .init(host: base), clock: ManualClock())
        }) { executor, server in
            let outcome = await executor.execute(trigger, sensor: loaded, events: Self.hostileEvent())
            #expect(outcome.label == "succeeded", "\(outcome)")
            let runs = try await server.log().filter { $0.method == "POST" && $0.path.hasSuffix("/runs") }
            let body = try #require(runs.first?.body)
            let parameters = body["runtime_config"]?["parameters"]
            #expect(parameters == ["epochs": 3, "message": .string(Self.hostile), "count": 3])
            #expect(body["service_account"] == "pipeline-runner")
            #expect(body["pipeline_version_reference"]?["pipeline_version_id"] == "v-2")
        }
    }

    /// The http payload's `greeting.text` is the string; the payload has no other key than the two destinations.
    @Test func httpPayloadFieldIsOneString() async throws {
        let server = try APIStandIn()
        let secrets = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: secrets) }
        try FileManager.default.createDirectory(atPath: secrets + "/api", withIntermediateDirectories: true)
        try "k3y-value".write(toFile: secrets + "/api/key", atomically: true, encoding: .utf8)
        let executor = try TriggerExecutor(
            configuration: .init(secretsDirectory: secrets, environment: ["HOOK_TOKEN": "t"], clock: ManualClock()))
        let loaded = try sensor(sensorYAML(OtherTriggerTests.httpTrigger(url: server.base + "/hook/200")))
        let outcome = await executor.execute(
            try #require(loaded.triggers.first), sensor: loaded, events: Self.hostileEvent())
        let log = try await server.log()
        await executor.shutdown()
        await server.stop()
        #expect(outcome.label == "succeeded", "\(outcome)")
        let request = try #require(log.first)
        #expect(request.body == ["greeting": ["text": .string(Self.hostile)], "count": 3])
        #expect(request.headers["x-static"] == "one")
    }

    /// The keys of every map, recursively, with values replaced by their type: the structure of a request body.
    static func shape(_ value: EventValue) -> String {
        switch value {
        case .map(let map):
            let skipped: Set<String> = ["name", "labels", "annotations"]
            return "{"
                + map.filter { !skipped.contains($0.key) }.map { "\($0.key):\(shape($0.value))" }.sorted()
                .joined(separator: ",") + "}"
        case .array(let elements): return "[" + elements.map(shape).joined(separator: ",") + "]"
        default: return value.typeName
        }
    }
}
