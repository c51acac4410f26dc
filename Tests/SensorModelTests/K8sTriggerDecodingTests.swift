import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The `k8s` trigger as written in a Sensor: its operations, patch strategies and `liveObject`, the located errors
/// of a resource it cannot act on, `policy.k8s`, and the object and request it resolves to.
struct K8sTriggerDecodingTests {
    /// A sensor whose trigger `t` has the `k8s` section `fields` and the trigger-level `policy` (both written
    /// without indentation).
    static func k8s(_ fields: String, policy: String = "") -> String {
        TriggerKindTests.sensor(
            "    - template:\n        name: t\n        k8s:\n" + indented(fields, by: 10) + "\n"
                + indented(policy, by: 6))
    }

    static func indented(_ text: String, by width: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(repeating: " ", count: width) + $0 }.joined(separator: "\n")
    }

    /// An `update` of ``configMap`` (with `liveObject` when `live`) whose parameter writes `data.mode`.
    static func configMapUpdate(liveObject live: Bool) -> String {
        "operation: update\n" + (live ? "liveObject: true\n" : "") + configMap
            + "\nparameters:\n  - src: {dependencyName: dep, dataKey: mode}\n    dest: data.mode"
    }

    static let configMap = """
        source:
          resource:
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {mode: slow}
        """

    @Test(arguments: [
        ("operation: update", K8sTrigger.Operation.update, K8sTrigger.PatchStrategy.merge, false),
        ("operation: update\nliveObject: true", .update, .merge, true),
        ("operation: patch\npatchStrategy: application/json-patch+json", .patch, .json, false),
        (
            "operation: patch\npatchStrategy: application/strategic-merge-patch+json", .patch, .strategicMerge,
            false
        ),
        ("operation: delete", .delete, .merge, false),
    ])
    func operations(
        fields: String, operation: K8sTrigger.Operation, strategy: K8sTrigger.PatchStrategy, liveObject: Bool
    ) throws {
        let (sensor, findings) = loadSensor(Self.k8s(fields + "\n" + Self.configMap))
        let loaded = try #require(sensor, "\(findings)")
        #expect(findings.isEmpty, "\(findings)")
        guard case .k8s(let trigger) = loaded.triggers[0].kind else {
            Issue.record("not a k8s trigger")
            return
        }
        #expect(trigger.operation == operation)
        #expect(trigger.patchStrategy == strategy)
        #expect(trigger.liveObject == liveObject)
        #expect(trigger.resource["data"]?["mode"] == "slow")
    }

    /// What cannot be acted on is an error at the field, naming the allowed values or what is missing.
    @Test(arguments: [
        (
            "operation: apply\n" + configMap, "14:22",
            "spec.triggers[0].template.k8s.operation 'apply' is not one of create, update, patch, delete"
        ),
        (
            "operation: patch\npatchStrategy: application/apply-patch+yaml\n" + configMap,
            "15:26",
            "spec.triggers[0].template.k8s.patchStrategy 'application/apply-patch+yaml' is not one of "
                + "application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json"
        ),
        (
            "operation: delete\nsource:\n  resource: {apiVersion: v1, kind: Pod, metadata: {generateName: x-}}",
            "16:13", "spec.triggers[0].template.k8s.source: operation delete needs the resource's metadata.name"
        ),
        (
            "source:\n  resource: {kind: Pod, metadata: {name: x}}", "15:13",
            "spec.triggers[0].template.k8s.source: the resource needs apiVersion"
        ),
        (
            "source:\n  resource: {apiVersion: v1, metadata: {name: x}}", "15:13",
            "spec.triggers[0].template.k8s.source: the resource needs kind"
        ),
    ])
    func findings(fields: String, location: String, message: String) {
        let (sensor, findings) = loadSensor(Self.k8s(fields))
        #expect(sensor == nil)
        #expect(
            findings.map(\.description).contains { $0.hasPrefix("test.yaml:\(location): error: \(message)") },
            "\(findings.map(\.description))")
    }

    /// `patchStrategy` without `patch` and `liveObject` without `update` do nothing: a warning, as Argo Events
    /// ignores them.
    @Test func ineffectiveFieldsWarn() throws {
        let (sensor, findings) = loadSensor(
            Self.k8s(
                "patchStrategy: application/json-patch+json\nliveObject: true\n"
                    + Self.configMap))
        #expect(sensor != nil)
        #expect(
            findings.map(\.description) == [
                "test.yaml:14:26: warning: spec.triggers[0].template.k8s.patchStrategy has no effect with operation create (only with patch)",
                "test.yaml:15:23: warning: spec.triggers[0].template.k8s.liveObject has no effect with operation create (only with update)",
            ])
    }

    @Test func resourceLabelPolicy() throws {
        let policy = """
            policy:
              k8s:
                labels: {workflows.argoproj.io/phase: Succeeded}
                backoff: {duration: 2s, factor: 2, steps: 3}
                errorOnBackoffTimeout: true
            """
        let (sensor, findings) = loadSensor(Self.k8s(Self.configMap, policy: policy))
        let loaded = try #require(sensor, "\(findings)")
        #expect(findings.isEmpty, "\(findings)")
        let expected = ResourceLabelPolicy(
            labels: ["workflows.argoproj.io/phase": "Succeeded"],
            backoff: RetryStrategy(durationSeconds: 2, factor: 2, jitter: 1, steps: 3), errorOnBackoffTimeout: true)
        #expect(loaded.triggers[0].resourceLabelPolicy == expected)
        #expect(expected.isMet(by: ["metadata": ["labels": ["workflows.argoproj.io/phase": "Succeeded", "x": "y"]]]))
        #expect(!expected.isMet(by: ["metadata": ["labels": ["workflows.argoproj.io/phase": "Running"]]]))
        #expect(!expected.isMet(by: ["metadata": [:]]))
    }

    /// Without `backoff`: 5 reads 1 s apart, and a timeout is no error.
    @Test func resourceLabelPolicyDefaults() throws {
        let policy = """
            policy:
              k8s: {labels: {done: "true"}}
            """
        let (sensor, findings) = loadSensor(Self.k8s(Self.configMap, policy: policy))
        let loaded = try #require(sensor, "\(findings)")
        #expect(loaded.triggers[0].resourceLabelPolicy == ResourceLabelPolicy(labels: ["done": "true"]))
        #expect(loaded.triggers[0].resourceLabelPolicy?.backoff == RetryStrategy(steps: 5))
    }

    /// `policy.k8s` on a kind that creates no Kubernetes resource is ignored with a warning.
    @Test func resourceLabelPolicyOnHTTPWarns() throws {
        let (sensor, findings) = loadSensor(
            TriggerKindTests.sensor(
                """
                    - template: {name: h, http: {url: "http://x"}}
                      policy: {k8s: {labels: {a: b}}}
                """))
        let loaded = try #require(sensor, "\(findings)")
        #expect(loaded.triggers[0].resourceLabelPolicy == nil)
        #expect(
            findings.map(\.description) == [
                "test.yaml:12:15: warning: spec.triggers[0].policy.k8s is ignored: it applies to k8s and argoWorkflow triggers, not http"
            ])
    }

    /// The resolved object: parameters applied (not with `liveObject`), the namespace from the object, else the
    /// sensor; template-level parameters may change the operation.
    @Test func resolvedResource() throws {
        let (sensor, findings) = loadSensor(
            Self.k8s(Self.configMapUpdate(liveObject: false)))
        var loaded = try #require(sensor, "\(findings)")
        loaded.namespace = "team-a"
        let events = ["dep": makeEvent(data: json(#"{"mode": "fast"}"#))]
        let resolved = try #require(try loaded.triggers[0].resolvedResource(events: events, sensor: loaded))
        #expect(resolved.operation == .update && !resolved.liveObject)
        #expect(resolved.resource["data"]?["mode"] == "fast")
        #expect(resolved.namespace == "team-a" && resolved.name == "settings" && resolved.kind == "ConfigMap")
        let action = try loaded.triggers[0].action(events: events, sensor: loaded)
        #expect(action.engine == .kubernetes && action.method == "PUT")
        #expect(action.path == "/api/v1/namespaces/team-a/configmaps/settings")

        var live: EventValue = ["data": ["mode": "slow", "other": "kept"]]
        try loaded.triggers[0].applyResourceParameters(events: events, to: &live)
        #expect(live == ["data": ["mode": "fast", "other": "kept"]])
    }

    @Test func liveObjectLeavesTheResourceAlone() throws {
        let (sensor, findings) = loadSensor(
            Self.k8s(Self.configMapUpdate(liveObject: true)))
        let loaded = try #require(sensor, "\(findings)")
        let events = ["dep": makeEvent(data: json(#"{"mode": "fast"}"#))]
        let resolved = try #require(try loaded.triggers[0].resolvedResource(events: events, sensor: loaded))
        #expect(resolved.liveObject)
        #expect(resolved.resource["data"]?["mode"] == "slow")
        #expect(resolved.namespace == nil)
    }

    @Test(arguments: [
        ("Pod", "pods"), ("Ingress", "ingresses"), ("NetworkPolicy", "networkpolicies"), ("Endpoints", "endpoints"),
        ("Workflow", "workflows"),
    ])
    func guessedPlurals(kind: String, plural: String) {
        #expect(KubernetesPaths.guessedPlural(of: kind) == plural)
    }
}
