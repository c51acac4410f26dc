import ConfigReader
import EventModel
import Foundation
import LocalFiles
import LoopbackTesting
import SensorEngine
import SensorModel
import Testing
import Triggers

/// Argo Workflows without an Argo Server (`argo.via: kubernetes`): `argoWorkflow` triggers and routed templates
/// as `Workflow` resources in the Kubernetes API stand-in, which validates them with the upstream Workflow schema.
@Suite(.timeLimit(.minutes(2)))
struct ArgoViaKubernetesTests {
    static func argoSensor(_ fields: String, extra: String = "") throws -> (Sensor, Trigger) {
        let loaded = try sensor(
            sensorYAML(
                "    - template:\n        name: t\n        argoWorkflow:\n" + fields + "\n" + extra, name: "orders"))
        return (loaded, try #require(loaded.triggers.first))
    }

    static let template: EventValue = [
        "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
        "metadata": ["name": "report", "namespace": "argo"],
        "spec": [
            "entrypoint": "main", "arguments": ["parameters": [["name": "message", "value": "default"]]],
            "templates": [["name": "main", "container": ["image": "busybox"]]],
        ],
    ]

    /// A Workflow `source` named `hello-<firing id>` in `argo`, with a `message` parameter.
    static let helloSource = """
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: hello-, namespace: argo}
                      spec:
                        entrypoint: main
                        arguments: {parameters: [{name: message, value: x}]}
                        templates: [{name: main, container: {image: busybox}}]
        """

    /// submit creates the Workflow named and labelled after the firing, once per firing.
    @Test func submit() async throws {
        let (loaded, trigger) = try Self.argoSensor(
            Self.helloSource + """

                          parameters:
                            - src: {dependencyName: dep, dataKey: message}
                              dest: spec.arguments.parameters.0.value
                """)
        try await withKubernetes(via: .kubernetes) { executor, standIn in
            let firing = event()
            #expect(await executor.execute(trigger, sensor: loaded, events: firing).label == "succeeded")
            guard case .alreadyDone = await executor.execute(trigger, sensor: loaded, events: firing) else {
                throw TestError("a redelivered submit must find its workflow")
            }
            let workflows = try await standIn.objects("workflows", group: "argoproj.io", namespace: "argo")
            #expect(workflows.count == 1)
            let identity = FiringIdentity(sensor: "orders", trigger: "t", events: firing)
            #expect(workflows.first?["metadata"]?["name"]?.stringValue == identity.name(prefix: "hello-"))
            #expect(workflows.first?["metadata"]?["labels"]?[FiringIdentity.firingLabel]?.stringValue == identity.id)
            #expect(workflows.first?["spec"]?["arguments"]?["parameters"]?.arrayValue?.first?["value"] == "hello")
            #expect(try await standIn.log().allSatisfy { !$0.path.hasPrefix("/api/v1/workflows") })
        }
    }

    /// submit-from a WorkflowTemplate creates a Workflow referring to it, with the parameters; a
    /// ClusterWorkflowTemplate route target is referred to with clusterScope.
    @Test func submitFromTemplates() async throws {
        let (loaded, trigger) = try Self.argoSensor(
            """
                      operation: submit-from
                      source:
                        resource:
                          apiVersion: argoproj.io/v1alpha1
                          kind: WorkflowTemplate
                          metadata: {name: report, namespace: argo}
                          spec:
                            arguments: {parameters: [{name: message, value: x}]}
                      parameters:
                        - src: {dependencyName: dep, dataKey: message}
                          dest: spec.arguments.parameters.0.value
            """)
        try await withKubernetes(via: .kubernetes) { executor, standIn in
            try await standIn.seed(Self.template)
            #expect(await executor.execute(trigger, sensor: loaded, events: event()).label == "succeeded")
            let identity = FiringIdentity(sensor: "orders", trigger: "t", events: event())
            let workflow = try #require(
                try await standIn.objects("workflows", group: "argoproj.io", namespace: "argo").first)
            #expect(workflow["metadata"]?["name"]?.stringValue == identity.name(prefix: "report"))
            #expect(workflow["metadata"]?["labels"]?["workflows.argoproj.io/workflow-template"] == "report")
            #expect(workflow["spec"]?["workflowTemplateRef"] == ["name": "report"])
            #expect(workflow["spec"]?["arguments"] == ["parameters": [["name": "message", "value": "hello"]]])

            let target = ArgoSubmissionTarget(
                templateKind: .clusterWorkflowTemplate, templateName: "shared", namespace: "argo",
                parameters: [.init(name: "size", value: "3")])
            let routed = FiringIdentity(sensor: "orders", trigger: "route", events: event(id: "evt-7"))
            #expect(await executor.execute(RouteTarget.argo(target), identity: routed).label == "succeeded")
            let workflows = try await standIn.objects("workflows", group: "argoproj.io", namespace: "argo")
            let shared = try #require(
                workflows.first { $0["metadata"]?["name"]?.stringValue == routed.name(prefix: "shared") })
            #expect(shared["spec"]?["workflowTemplateRef"] == ["name": "shared", "clusterScope": true])
        }
    }

    /// submit-from a CronWorkflow copies its workflowSpec and workflowMetadata, as `argo submit --from cronwf/…`
    /// does, and the workflow is owned by the CronWorkflow.
    @Test func submitFromCronWorkflow() async throws {
        let (loaded, trigger) = try Self.argoSensor(
            """
                      operation: submit-from
                      source:
                        resource:
                          apiVersion: argoproj.io/v1alpha1
                          kind: CronWorkflow
                          metadata: {name: nightly, namespace: argo}
                          spec: {arguments: {parameters: [{name: message, value: x}]}}
                      parameters:
                        - src: {dependencyName: dep, dataKey: message}
                          dest: spec.arguments.parameters.0.value
            """)
        try await withKubernetes(via: .kubernetes) { executor, standIn in
            let cron = try await standIn.seed([
                "apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
                "metadata": ["name": "nightly", "namespace": "argo"],
                "spec": [
                    "schedule": "0 0 * * *", "workflowMetadata": ["labels": ["team": "a"]],
                    "workflowSpec": [
                        "entrypoint": "main", "arguments": ["parameters": [["name": "message", "value": "d"]]],
                        "templates": [["name": "main", "container": ["image": "busybox"]]],
                    ],
                ],
            ])
            #expect(await executor.execute(trigger, sensor: loaded, events: event()).label == "succeeded")
            let workflow = try #require(
                try await standIn.objects("workflows", group: "argoproj.io", namespace: "argo").first)
            #expect(workflow["spec"]?["entrypoint"] == "main")
            #expect(workflow["spec"]?["arguments"] == ["parameters": [["name": "message", "value": "hello"]]])
            #expect(workflow["metadata"]?["labels"]?["workflows.argoproj.io/cron-workflow"] == "nightly")
            #expect(workflow["metadata"]?["labels"]?["team"] == "a")
            let owner = workflow["metadata"]?["ownerReferences"]?.arrayValue?.first
            #expect(owner?["kind"] == "CronWorkflow" && owner?["uid"] == cron["metadata"]?["uid"])
        }
    }

    /// suspend, resume, terminate and stop merge-patch the workflow's spec, which Argo's controller acts on.
    @Test(
        arguments: [
            ("suspend", ["suspend": true]), ("resume", ["suspend": nil]), ("terminate", ["shutdown": "Terminate"]),
            ("stop", ["shutdown": "Stop"]),
        ] as [(String, EventValue)])
    func lifecycle(operation: String, patch: EventValue) async throws {
        let (loaded, trigger) = try Self.argoSensor(
            """
                      operation: \(operation)
                      source:
                        resource:
                          apiVersion: argoproj.io/v1alpha1
                          kind: Workflow
                          metadata: {name: running, namespace: argo}
            """)
        try await withKubernetes(via: .kubernetes) { executor, standIn in
            try await standIn.seed(K8sTriggerTests.workflow("running"))
            let outcome = await executor.execute(trigger, sensor: loaded, events: event())
            #expect(outcome == .succeeded(detail: "workflow argo/running: \(operation)"))
            let sent = try #require(try await standIn.log().last)
            #expect(sent.method == "PATCH" && sent.contentType == "application/merge-patch+json")
            #expect(sent.path == "/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/running")
            #expect(sent.body == ["spec": patch])
        }
    }

    /// retry and resubmit need the Argo Server (the gateway refuses to start with one), and fail permanently.
    @Test func serverOnlyOperations() async throws {
        let (loaded, trigger) = try Self.argoSensor(
            """
                      operation: retry
                      source:
                        resource: {apiVersion: argoproj.io/v1alpha1, kind: Workflow, metadata: {name: failed}}
            """)
        #expect(ArgoWorkflowTrigger.Operation.allCases.filter(\.needsArgoServer) == [.resubmit, .retry])
        try await withKubernetes(via: .kubernetes) { executor, _ in
            guard case .permanent(let reason) = await executor.execute(trigger, sensor: loaded, events: event()) else {
                throw TestError("retry via kubernetes must fail")
            }
            #expect(reason.contains("needs the Argo Server"))
        }
    }

    /// `policy.k8s` on an argoWorkflow trigger reads the created workflow's labels through the Kubernetes API.
    @Test func resourceLabelPolicy() async throws {
        let (loaded, trigger) = try Self.argoSensor(
            Self.helloSource,
            extra: """
                      policy:
                        k8s:
                          labels: {workflows.argoproj.io/phase: Succeeded}
                          backoff: {steps: 2}
                          errorOnBackoffTimeout: true
                """)
        try await withKubernetes(via: .kubernetes) { executor, standIn in
            let outcome = await executor.execute(trigger, sensor: loaded, events: event())
            guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
            #expect(reason.contains("workflows.argoproj.io/phase=Succeeded after 2 reads"))
            let gets = try await standIn.log().filter { $0.method == "GET" }
            #expect(gets.count == 2 && gets.allSatisfy { $0.path.contains("/workflows/hello-") })
        }
    }
}
