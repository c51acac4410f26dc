import EventModel
import Foundation
import HTTPTransport
import Kubernetes
import LoopbackTesting
import Testing

@Suite("Kubernetes client against the API stand-in", .timeLimit(.minutes(2)))
struct KubernetesClientTests {
    static let pods = ResourceType.wellKnown(apiVersion: "v1", kind: "Pod")
    static let configMaps = ResourceType.wellKnown(apiVersion: "v1", kind: "ConfigMap")
    static let jobs = ResourceType.wellKnown(apiVersion: "batch/v1", kind: "Job")
    static let workflows = ResourceType.wellKnown(apiVersion: "argoproj.io/v1alpha1", kind: "Workflow")

    @Test("create, get, update, list and delete a ConfigMap, a Pod, a Job and a Workflow")
    func crud() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let configMaps = try #require(Self.configMaps)
        let created = try await client.create(configMaps, namespace: nil, object: configMap("settings"))
        #expect(created["metadata"]?["namespace"] == "argo")
        let version = try #require(created["metadata"]?["resourceVersion"]?.stringValue)
        var changed = try await client.get(configMaps, namespace: "argo", name: "settings")
        #expect(changed["data"]?["greeting"] == "hello")
        changed = configMap("settings", ["greeting": "bonjour"])
        var metadata = try #require(changed["metadata"]?.mapValue)
        metadata["resourceVersion"] = .string(version)
        var map = try #require(changed.mapValue)
        map["metadata"] = .map(metadata)
        let updated = try await client.update(configMaps, namespace: "argo", object: .map(map))
        #expect(updated["data"]?["greeting"] == "bonjour")
        #expect(updated["metadata"]?["resourceVersion"]?.stringValue != version)

        let pod: EventValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "labels": ["app": "web"]],
            "spec": ["containers": [["name": "web", "image": "nginx:1.27"]]],
        ]
        _ = try await client.create(try #require(Self.pods), namespace: "argo", object: pod)
        let job: EventValue = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["generateName": "build-"],
            "spec": [
                "template": [
                    "spec": [
                        "restartPolicy": "Never", "containers": [["name": "build", "image": "busybox"]],
                    ]
                ]
            ],
        ]
        let createdJob = try await client.create(try #require(Self.jobs), namespace: "ci", object: job)
        let jobName = try #require(createdJob["metadata"]?["name"]?.stringValue)
        #expect(jobName.hasPrefix("build-") && jobName.count > "build-".count)
        let createdWorkflow = try await client.create(
            try #require(Self.workflows), namespace: "argo", object: workflow(generateName: "hello-"))
        let workflowName = try #require(createdWorkflow["metadata"]?["name"]?.stringValue)

        let labelled = try await client.list(try #require(Self.pods), namespace: nil, labelSelector: "app=web")
        #expect(labelled.items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["web"])
        #expect(
            try await client.list(try #require(Self.pods), namespace: "argo", labelSelector: "app!=web").items.isEmpty)
        #expect(try await standIn.objects("jobs", namespace: "ci").count == 1)

        try await client.delete(try #require(Self.workflows), namespace: "argo", name: workflowName)
        #expect(try await standIn.objects("workflows").isEmpty)
        let missing = try await #require(throws: KubernetesError.self) {
            try await client.get(try #require(Self.workflows), namespace: "argo", name: workflowName)
        }
        #expect(missing.kind == .notFound && missing.object == "Workflow argo/\(workflowName)")
        let creates = try await standIn.log().filter { $0.method == "POST" }
        #expect(creates.count == 4)
        #expect(creates.allSatisfy { $0.contentType == "application/json" && $0.invalid.isEmpty })
        await client.shutdown()
        await standIn.stop()
    }

    @Test("a taken name is alreadyExists; a stale resourceVersion is conflict; neither is retryable")
    func conflicts() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let workflows = try #require(Self.workflows)
        let first = try await client.create(workflows, namespace: "argo", object: workflow(name: "nightly"))
        let taken = try await #require(throws: KubernetesError.self) {
            try await client.create(workflows, namespace: "argo", object: workflow(name: "nightly"))
        }
        #expect(taken.kind == .alreadyExists && taken.status == 409 && taken.reason == "AlreadyExists")
        #expect(taken.object == "Workflow argo/nightly" && !taken.isRetryable)

        // Someone else changes it: the version we hold is stale.
        _ = try await client.patch(
            workflows, namespace: "argo", name: "nightly", patch: ["metadata": ["labels": ["owner": "ops"]]],
            strategy: .merge)
        let stale = try await #require(throws: KubernetesError.self) {
            try await client.update(workflows, namespace: "argo", object: first)
        }
        #expect(stale.kind == .conflict && stale.status == 409 && stale.reason == "Conflict")
        #expect(!stale.isRetryable)
        #expect(stale.description.contains("Workflow argo/nightly"))
        await client.shutdown()
        await standIn.stop()
    }

    @Test("merge, JSON and strategic merge patches; strategic merge on a custom resource is 415")
    func patches() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let pods = try #require(Self.pods)
        let pod: EventValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web"],
            "spec": [
                "containers": [["name": "web", "image": "nginx:1.26"], ["name": "sidecar", "image": "envoy:1"]]
            ],
        ]
        _ = try await client.create(pods, namespace: "argo", object: pod)
        // Strategic merge: the container list merges by name, so the sidecar stays.
        let strategic = try await client.patch(
            pods, namespace: "argo", name: "web",
            patch: ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]], strategy: .strategicMerge)
        #expect(
            strategic["spec"]?["containers"]?.arrayValue?.compactMap { $0["image"]?.stringValue } == [
                "nginx:1.27", "envoy:1",
            ])
        // Merge patch: a list is replaced whole.
        let merged = try await client.patch(
            pods, namespace: "argo", name: "web",
            patch: ["spec": ["containers": [["name": "web", "image": "nginx:1.28"]]]], strategy: .merge)
        #expect(merged["spec"]?["containers"]?.arrayValue?.count == 1)
        let json = try await client.patch(
            pods, namespace: "argo", name: "web",
            patch: [["op": "add", "path": "/metadata/labels", "value": ["app": "web"]]], strategy: .json)
        #expect(json["metadata"]?["labels"]?["app"] == "web")
        let types = try await standIn.log().filter { $0.method == "PATCH" }.compactMap(\.contentType)
        #expect(types == [PatchStrategy.strategicMerge, .merge, .json].map(\.rawValue))

        let workflows = try #require(Self.workflows)
        _ = try await client.create(workflows, namespace: "argo", object: workflow(name: "w"))
        let refused = try await #require(throws: KubernetesError.self) {
            try await client.patch(
                workflows, namespace: "argo", name: "w", patch: ["metadata": ["labels": ["a": "b"]]],
                strategy: .strategicMerge)
        }
        #expect(refused.kind == .unsupportedMediaType && refused.status == 415)
        await client.shutdown()
        await standIn.stop()
    }

    @Test("an invalid object is 422 Invalid with the API's message, and is not stored")
    func invalid() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        var bad = try #require(workflow(name: "bad").mapValue)
        bad["spec"] = ["entrypoint": "main", "templatez": []]
        let error = try await #require(throws: KubernetesError.self) {
            try await client.create(try #require(Self.workflows), namespace: "argo", object: .map(bad))
        }
        #expect(error.kind == .invalid && error.status == 422 && error.reason == "Invalid")
        #expect(error.message.contains("templatez"))
        let badConfigMap: EventValue = [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "datum": [:],
        ]
        let configMapError = try await #require(throws: KubernetesError.self) {
            try await client.create(try #require(Self.configMaps), namespace: "argo", object: badConfigMap)
        }
        #expect(configMapError.kind == .invalid && configMapError.message.contains("datum"))
        #expect(try await standIn.objects("workflows").isEmpty)
        #expect(try await standIn.objects("configmaps").isEmpty)
        await client.shutdown()
        await standIn.stop()
    }

    @Test("a wrong token is 401 and never appears in the error; a rewritten token file is read again")
    func tokenRotation() async throws {
        let standIn = try KubernetesStandIn(token: "first-token")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let configMaps = try #require(Self.configMaps)
        let wrong = try makeClient(standIn, token: .value("wrong-token"))
        let error = try await #require(throws: KubernetesError.self) {
            try await wrong.list(configMaps, namespace: "argo")
        }
        #expect(error.kind == .unauthorized && error.status == 401)
        #expect(!error.description.contains("wrong-token"))
        await wrong.shutdown()

        let file = try scratch.write("token", "first-token\n")
        let client = try makeClient(standIn, token: .file(file))
        _ = try await client.list(configMaps, namespace: "argo")
        // The server rotates the token and the kubelet rewrites the file: the next request sends the new one.
        try await standIn.acceptToken("rotated-token-2")
        try scratch.write("token", "rotated-token-2\n")
        _ = try await client.list(configMaps, namespace: "argo")
        let authorized = try await standIn.log().map(\.authorized)
        #expect(authorized == [false, true, true])
        await client.shutdown()
        await standIn.stop()
    }

    @Test("the status subresource changes only status; the main endpoint leaves status alone")
    func statusSubresource() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let workflows = try #require(Self.workflows)
        _ = try await client.create(workflows, namespace: "argo", object: workflow(name: "w"))
        let running = try await client.patchStatus(
            workflows, namespace: "argo", name: "w", patch: ["status": ["phase": "Running"]])
        #expect(running["status"]?["phase"] == "Running")
        var object = try #require(running.mapValue)
        object["status"] = ["phase": "Succeeded"]
        let replaced = try await client.updateStatus(workflows, namespace: "argo", object: .map(object))
        #expect(replaced["status"]?["phase"] == "Succeeded")
        // A status sent to the main endpoint is ignored.
        var main = try #require(replaced.mapValue)
        main["status"] = ["phase": "Failed"]
        var metadata = try #require(replaced["metadata"]?.mapValue)
        metadata["labels"] = ["a": "b"]
        main["metadata"] = .map(metadata)
        let updated = try await client.update(workflows, namespace: "argo", object: .map(main))
        #expect(updated["status"]?["phase"] == "Succeeded")
        #expect(updated["metadata"]?["labels"]?["a"] == "b")
        // A kind without a status subresource has no status endpoint.
        let configMaps = try #require(Self.configMaps)
        _ = try await client.create(configMaps, namespace: "argo", object: configMap("c"))
        let none = try await #require(throws: KubernetesError.self) {
            try await client.patchStatus(configMaps, namespace: "argo", name: "c", patch: ["status": [:]])
        }
        #expect(none.kind == .notFound)
        await client.shutdown()
        await standIn.stop()
    }

    @Test("a kind outside the built-in table is found by discovery, once; an unknown one is unknownKind")
    func discovery() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        try await standIn.register(group: "example.com", version: "v1", kind: "Widget", plural: "widgets")
        let widgets = try await client.resourceType(apiVersion: "example.com/v1", kind: "Widget")
        #expect(
            widgets
                == ResourceType(
                    group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true))
        let budgets = try await client.resourceType(apiVersion: "policy/v1", kind: "PodDisruptionBudget")
        #expect(budgets.plural == "poddisruptionbudgets" && budgets.namespaced)
        _ = try await client.resourceType(apiVersion: "example.com/v1", kind: "Widget")
        _ = try await client.resourceType(apiVersion: "v1", kind: "Pod")
        let gadget = try await #require(throws: KubernetesError.self) {
            try await client.resourceType(apiVersion: "example.com/v1", kind: "Gadget")
        }
        #expect(gadget.kind == .unknownKind)
        let group = try await #require(throws: KubernetesError.self) {
            try await client.resourceType(apiVersion: "nothing.example/v1", kind: "Thing")
        }
        #expect(group.kind == .unknownKind)
        let widget: EventValue = [
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"], "spec": ["size": 3],
        ]
        _ = try await client.create(widgets, namespace: "argo", object: widget)
        #expect(try await standIn.objects("widgets", group: "example.com").count == 1)
        let discoveries = try await standIn.log().filter { $0.method == "GET" && !$0.path.contains("namespaces") }
        #expect(discoveries.map(\.path) == ["/apis/example.com/v1", "/apis/policy/v1", "/apis/nothing.example/v1"])
        await client.shutdown()
        await standIn.stop()
    }

    @Test("faults: 429 with Retry-After and 503 are retryable, 403 is not")
    func faults() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let configMaps = try #require(Self.configMaps)
        try await standIn.fault("/api/v1/namespaces/argo/configmaps", status: 429, retryAfter: 3)
        try await standIn.fault("/api/v1/namespaces/argo/configmaps", status: 503)
        try await standIn.fault("/api/v1/namespaces/argo/configmaps", status: 403, message: "RBAC says no")
        var errors: [KubernetesError] = []
        for _ in 0..<3 {
            do {
                _ = try await client.list(configMaps, namespace: "argo")
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.map(\.kind) == [.tooManyRequests, .server, .forbidden])
        #expect(errors.map(\.isRetryable) == [true, true, false])
        #expect(errors.first?.retryAfter == .seconds(3))
        #expect(errors.last?.message == "RBAC says no")
        _ = try await client.list(configMaps, namespace: "argo")
        await client.shutdown()
        await standIn.stop()
    }
}
