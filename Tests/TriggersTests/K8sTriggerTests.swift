import EventModel
import Foundation
import Kubernetes
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorModel
import Testing
import Triggers

/// The `k8s` trigger against the Kubernetes API stand-in, which validates every object it stores with the real
/// schemas: each operation and patch strategy, idempotent creates, `liveObject`, `policy.k8s`, and how failures
/// are classified.
@Suite(.timeLimit(.minutes(2)))
struct K8sTriggerTests {
    /// A sensor whose trigger `t` has the `k8s` section `fields` (indented by 8), and trigger-level `extra`.
    static func k8sSensor(_ fields: String, extra: String = "") throws -> (Sensor, Trigger) {
        let loaded = try sensor(
            sensorYAML("    - template:\n        name: t\n        k8s:\n" + fields + "\n" + extra))
        return (loaded, try #require(loaded.triggers.first))
    }

    static let configMapSource = """
                  source:
                    resource:
                      apiVersion: v1
                      kind: ConfigMap
                      metadata: {name: settings, namespace: default}
                      data: {mode: fast}
                  parameters:
                    - src: {dependencyName: dep, dataKey: message}
                      dest: data.message
        """

    static let settings: EventValue = [
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": "settings", "namespace": "default", "labels": ["team": "a"]],
        "data": ["mode": "slow", "kept": "yes"],
    ]

    /// Argo Events' own example: one Pod per firing, named after it, with the event's body as its argument; the
    /// same firing again creates nothing (its POST answers 409, confirmed through the label); another event does.
    /// trigger-source-configmap.yaml: the Workflow is read from the ConfigMap through the Kubernetes API (in
    /// `argo`, the default namespace of a sensor without one) and created through it, once per firing.
    @Test func upstreamConfigMapSource() async throws {
        let catalog = SensorFiles.load(paths: [upstreamSensors + "/trigger-source-configmap.yaml"])
        let loaded = try #require(catalog.sensors.first, "\(catalog.findings)")
        let trigger = try #require(loaded.triggers.first)
        try await withKubernetes { executor, standIn in
            _ = try await standIn.seed([
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "workflow-cm", "namespace": "argo"],
                "data": [
                    "wf": """
                    apiVersion: argoproj.io/v1alpha1
                    kind: Workflow
                    metadata: {generateName: from-configmap-, namespace: argo}
                    spec:
                      entrypoint: main
                      templates: [{name: main, container: {image: alpine:3.20, command: [echo, hello]}}]
                    """
                ],
            ])
            let events = [
                "test-dep": Event(
                    id: "cm-1", source: "webhook", type: "webhook", subject: "example",
                    dataContentType: "application/json", data: ["body": "x"])
            ]
            let outcome = await executor.execute(trigger, sensor: loaded, events: events)
            #expect(outcome.label == "succeeded", "\(outcome)")
            let workflows = try await standIn.objects("workflows", group: "argoproj.io", namespace: "argo")
            #expect(workflows.count == 1)
            #expect(workflows.first?["metadata"]?["name"]?.stringValue?.hasPrefix("from-configmap-") == true)
            let reads = try await standIn.log().filter {
                $0.method == "GET" && $0.path.hasSuffix("/configmaps/workflow-cm")
            }
            #expect(reads.map(\.path) == ["/api/v1/namespaces/argo/configmaps/workflow-cm"])
        }
    }

    @Test func upstreamPodOncePerFiring() async throws {
        let catalog = SensorFiles.load(paths: [upstreamSensors + "/trigger-standard-k8s-resource.yaml"])
        let loaded = try #require(catalog.sensors.first, "\(catalog.findings)")
        let trigger = try #require(loaded.triggers.first)
        try await withKubernetes { executor, standIn in
            func webhook(_ id: String, _ body: EventValue) -> [String: Event] {
                [
                    "test-dep": Event(
                        id: id, source: "webhook", type: "webhook", subject: "example",
                        dataContentType: "application/json",
                        data: ["body": body])
                ]
            }
            let firing = webhook("evt-1", "hi there")
            let first = await executor.execute(trigger, sensor: loaded, events: firing)
            #expect(first.label == "succeeded", "\(first)")
            let again = await executor.execute(trigger, sensor: loaded, events: firing)
            guard case .alreadyDone(let detail) = again else { throw TestError("again: \(again)") }
            #expect(detail.hasPrefix("Pod default/hello-world-"))
            let pods = try await standIn.objects("pods", namespace: "default")
            #expect(pods.count == 1)
            let pod = try #require(pods.first)
            let identity = FiringIdentity(sensor: loaded.name, trigger: trigger.name, events: firing)
            #expect(pod["metadata"]?["name"]?.stringValue == identity.name(prefix: "hello-world-"))
            #expect(pod["spec"]?["containers"]?.arrayValue?.first?["args"] == ["hi there"])
            let labels = pod["metadata"]?["labels"]
            #expect(labels?[FiringIdentity.firingLabel]?.stringValue == identity.id)
            #expect(labels?["events.argoproj.io/sensor"] == "trigger-standard-k8s-resource")
            #expect(labels?["events.argoproj.io/trigger"] == "webhook-pod-trigger")
            #expect(labels?["events.argoproj.io/action-timestamp"]?.stringValue.flatMap(Int64.init) != nil)

            let other = await executor.execute(trigger, sensor: loaded, events: webhook("evt-2", "x"))
            #expect(other.label == "succeeded")
            let repeated = await executor.execute(
                TriggerFiring(trigger, sensor: loaded, events: firing, isRepeat: true))
            #expect(repeated.outcome.label == "already_done", "a redelivered firing reads first: \(repeated.outcome)")
            let posts = try await standIn.log().filter { $0.method == "POST" }
            #expect(posts.map(\.status) == [201, 409, 201], "the repeat sent no create")
            #expect(try await standIn.objects("pods", namespace: "default").count == 2)
        }
    }

    /// A Job and a ConfigMap, validated by the stand-in with the Kubernetes schemas; a fixed name is kept.
    @Test func jobAndConfigMap() async throws {
        let (jobSensor, job) = try Self.k8sSensor(
            """
                      source:
                        resource:
                          apiVersion: batch/v1
                          kind: Job
                          metadata: {generateName: report-}
                          spec:
                            template:
                              spec:
                                restartPolicy: Never
                                containers: [{name: main, image: busybox, command: [echo, done]}]
            """)
        let (configMapSensor, configMap) = try Self.k8sSensor(Self.configMapSource)
        try await withKubernetes { executor, standIn in
            #expect(await executor.execute(job, sensor: jobSensor, events: event()).label == "succeeded")
            let created = await executor.execute(configMap, sensor: configMapSensor, events: event())
            #expect(created == .succeeded(detail: "ConfigMap default/settings created"))
            let jobs = try await standIn.objects("jobs", group: "batch")
            #expect(jobs.first?["metadata"]?["name"]?.stringValue?.hasPrefix("report-") == true)
            let stored = try await standIn.objects("configmaps", namespace: "default")
            #expect(stored.first?["data"] == ["mode": "fast", "message": "hello"])
            // The same firing again: the fixed name answers 409, and the object is this firing's.
            let again = await executor.execute(configMap, sensor: configMapSensor, events: event())
            #expect(again == .alreadyDone(detail: "ConfigMap default/settings exists"))
            // Another firing finds a ConfigMap it did not create under that name.
            let other = await executor.execute(configMap, sensor: configMapSensor, events: event(id: "evt-9"))
            guard case .permanent(let reason) = other else { throw TestError("other: \(other)") }
            #expect(reason.contains("exists but was not created by this firing"))
        }
    }

    /// update merges the resolved object over the live one and replaces it with the resourceVersion read; patch
    /// sends it in each strategy; delete removes it, and a missing object counts as deleted.
    @Test func updatePatchDelete() async throws {
        try await withKubernetes { executor, standIn in
            func run(_ fields: String) async throws -> TriggerOutcome {
                let (loaded, trigger) = try Self.k8sSensor(fields + "\n" + Self.configMapSource)
                return await executor.execute(trigger, sensor: loaded, events: event())
            }
            func stored() async throws -> EventValue {
                try #require(try await standIn.objects("configmaps", namespace: "default").first)
            }
            try await standIn.seed(Self.settings)
            #expect(
                try await run("          operation: update") == .succeeded(detail: "ConfigMap default/settings updated")
            )
            #expect(try await stored()["data"] == ["mode": "fast", "kept": "yes", "message": "hello"])
            #expect(try await stored()["metadata"]?["labels"] == ["team": "a"])
            let put = try #require(try await standIn.log().last { $0.method == "PUT" })
            #expect(put.body?["metadata"]?["resourceVersion"] != nil)

            for strategy in K8sTrigger.PatchStrategy.allCases {
                try await standIn.reset()
                try await standIn.seed(Self.settings)
                let outcome = try await run("          operation: patch\n          patchStrategy: \(strategy.rawValue)")
                #expect(outcome == .succeeded(detail: "ConfigMap default/settings patched"), "\(strategy)")
                #expect(try await stored()["data"] == ["mode": "fast", "kept": "yes", "message": "hello"])
                let patch = try #require(try await standIn.log().last { $0.method == "PATCH" })
                #expect(patch.contentType == strategy.rawValue)
                if strategy == .json {
                    #expect(
                        patch.body == [
                            ["op": "add", "path": "/data/message", "value": "hello"],
                            ["op": "replace", "path": "/data/mode", "value": "fast"],
                        ])
                }
            }

            #expect(
                try await run("          operation: delete") == .succeeded(detail: "ConfigMap default/settings deleted")
            )
            #expect(try await standIn.objects("configmaps", namespace: "default").isEmpty)
            #expect(
                try await run("          operation: delete")
                    == .alreadyDone(detail: "ConfigMap default/settings does not exist"))
            // update and patch of a missing object create it.
            #expect(
                try await run("          operation: patch") == .succeeded(detail: "ConfigMap default/settings created"))
            try await standIn.reset()
            #expect(
                try await run("          operation: update") == .succeeded(detail: "ConfigMap default/settings created")
            )
        }
    }

    /// With `liveObject`, the parameters apply to the object as it is in the cluster, not to the resource.
    @Test func liveObjectUpdate() async throws {
        let (loaded, trigger) = try Self.k8sSensor(
            "          operation: update\n          liveObject: true\n" + Self.configMapSource)
        try await withKubernetes { executor, standIn in
            try await standIn.seed(Self.settings)
            #expect(await executor.execute(trigger, sensor: loaded, events: event()).isSuccess)
            let stored = try #require(try await standIn.objects("configmaps", namespace: "default").first)
            #expect(stored["data"] == ["mode": "slow", "kept": "yes", "message": "hello"])
        }
    }

    /// A stale resourceVersion (409 Conflict) is read again and the update redone.
    @Test func updateRetriesAConflict() async throws {
        let (loaded, trigger) = try Self.k8sSensor("          operation: update\n" + Self.configMapSource)
        try await withKubernetes { executor, standIn in
            try await standIn.seed(Self.settings)
            try await standIn.fault("/api/v1/namespaces/default/configmaps/settings", status: 409, method: "PUT")
            #expect(await executor.execute(trigger, sensor: loaded, events: event()).isSuccess)
            let methods = try await standIn.log().map(\.method)
            #expect(methods == ["GET", "PUT", "GET", "PUT"])
        }
    }

    /// Strategic merge is for built-in kinds: a custom resource answers 415, a permanent failure that says what to
    /// use instead.
    @Test func strategicMergeOnACustomResource() async throws {
        let (loaded, trigger) = try Self.k8sSensor(
            """
                      operation: patch
                      patchStrategy: application/strategic-merge-patch+json
                      source:
                        resource:
                          apiVersion: argoproj.io/v1alpha1
                          kind: Workflow
                          metadata: {name: running, namespace: argo}
                          spec: {suspend: true}
            """)
        try await withKubernetes { executor, standIn in
            try await standIn.seed(Self.workflow("running"))
            let outcome = await executor.execute(trigger, sensor: loaded, events: event())
            guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
            #expect(reason.contains("415") && reason.contains("application/merge-patch+json"), "\(reason)")
        }
    }

    /// `policy.k8s`: labels the object carries end the wait at the first read; labels it never gets fail the
    /// trigger after `steps` reads only with `errorOnBackoffTimeout`, the waits on the trigger clock.
    @Test(arguments: [("app: reports", true, true), ("phase: Done", true, false), ("phase: Done", false, false)])
    func resourceLabelPolicy(labels: String, errorOnTimeout: Bool, met: Bool) async throws {
        let (loaded, trigger) = try Self.k8sSensor(
            """
                      source:
                        resource:
                          apiVersion: v1
                          kind: ConfigMap
                          metadata: {generateName: report-, labels: {app: reports}}
            """,
            extra: """
                      policy:
                        k8s:
                          labels: {\(labels)}
                          backoff: {duration: 1s, factor: 2, jitter: 0, steps: 3}
                          errorOnBackoffTimeout: \(errorOnTimeout)
                """)
        let clock = ManualClock()
        try await withKubernetes(clock: clock) { executor, standIn in
            let outcome = await executor.execute(trigger, sensor: loaded, events: event())
            let gets = try await standIn.log().filter { $0.method == "GET" }
            if met {
                #expect(outcome.label == "succeeded", "\(outcome)")
                #expect(gets.count == 1 && clock.sleeps.isEmpty)
            } else {
                #expect(gets.count == 3)
                #expect(clock.sleeps == [.seconds(1), .seconds(2)])
                if errorOnTimeout {
                    guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
                    #expect(reason.contains("did not carry the labels phase=Done after 3 reads"))
                } else {
                    guard case .succeeded(let detail) = outcome else { throw TestError("\(outcome)") }
                    #expect(detail.contains("did not carry the labels phase=Done after 3 reads"))
                }
            }
        }
    }

    /// 401 (a token the server does not accept) and 403 are permanent; 503 is retryable and retried.
    @Test func failureClassification() async throws {
        let (loaded, trigger) = try Self.k8sSensor(Self.configMapSource)
        try await withKubernetes(token: "wrong") { executor, _ in
            let outcome = await executor.execute(trigger, sensor: loaded, events: event())
            guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
            #expect(reason.contains("401") && !reason.contains("wrong"), "\(reason)")
        }
        try await withKubernetes { executor, standIn in
            try await standIn.fault("/api/v1/namespaces/default/configmaps", status: 503, method: "POST")
            guard case .retryable = await executor.execute(trigger, sensor: loaded, events: event()) else {
                throw TestError("503 must be retryable")
            }
            try await standIn.fault("/api/v1/namespaces/default/configmaps", status: 403, method: "POST")
            #expect(await executor.execute(trigger, sensor: loaded, events: event()).label == "permanent")
        }
    }

    /// Without a Kubernetes API the request goes to the outbox; without an outbox either, the firing fails.
    @Test func withoutAKubernetesAPI() async throws {
        let (loaded, trigger) = try Self.k8sSensor(Self.configMapSource)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let withOutbox = try TriggerExecutor(configuration: .init(outboxDirectory: directory, clock: ManualClock()))
        let written = await withOutbox.execute(trigger, sensor: loaded, events: event())
        #expect(written.label == "succeeded", "\(written)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 1 && files[0].hasPrefix("kubernetes-settings-"), "\(files)")
        let record = try JSONCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + files[0]))))
        #expect(record["url"] == "{kubernetes.server}/api/v1/namespaces/default/configmaps")
        #expect(record["body"]?["data"]?["message"] == "hello")
        await withOutbox.shutdown()

        let without = try TriggerExecutor(configuration: .init(clock: ManualClock()))
        guard case .permanent(let reason) = await without.execute(trigger, sensor: loaded, events: event()) else {
            throw TestError("a k8s trigger without a Kubernetes API must fail")
        }
        #expect(
            reason.hasSuffix(
                "not sent: a Kubernetes API (the kubernetes section of gateway.yaml, in-cluster, or a kubeconfig) is not "
                    + "configured, and no outbox is"), "\(reason)")
        await without.shutdown()
    }

    /// `explain` shows the Kubernetes API request: a create's object named and labelled after the firing, a
    /// patch's strategy as its content type.
    @Test func preview() throws {
        let (loaded, trigger) = try Self.k8sSensor(
            """
                      source:
                        resource: {apiVersion: v1, kind: Pod, metadata: {generateName: job-}, spec: {containers: []}}
            """)
        let identity = FiringIdentity(sensor: loaded.name, trigger: trigger.name, events: event())
        let created = try #require(try TriggerRequestPreviews().preview(trigger, sensor: loaded, events: event()))
        #expect(created.json["engine"] == "kubernetes" && created.json["method"] == "POST")
        #expect(created.json["path"] == "/api/v1/namespaces/{kubernetes.namespace}/pods")
        #expect(created.json["body"]?["metadata"]?["name"]?.stringValue == identity.name(prefix: "job-"))
        #expect(created.json["body"]?["metadata"]?["labels"]?[FiringIdentity.firingLabel]?.stringValue == identity.id)
        #expect(created.lines.first == "POST {kubernetes.server}/api/v1/namespaces/{kubernetes.namespace}/pods")

        let (patchSensor, patch) = try Self.k8sSensor(
            "          operation: patch\n          patchStrategy: application/json-patch+json\n" + Self.configMapSource)
        let patched = try #require(
            try TriggerRequestPreviews(kubernetesNamespace: "team").preview(patch, sensor: patchSensor, events: event())
        )
        #expect(patched.json["method"] == "PATCH")
        #expect(patched.json["path"] == "/api/v1/namespaces/default/configmaps/settings")
        #expect(patched.json["contentType"] == "application/json-patch+json")
    }

    /// A Workflow in the stand-in (valid against the Workflow schema).
    static func workflow(_ name: String) -> EventValue {
        [
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": ["name": .string(name), "namespace": "argo"],
            "spec": ["entrypoint": "main", "templates": [["name": "main", "container": ["image": "busybox"]]]],
        ]
    }
}
