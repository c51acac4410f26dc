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

/// `argoWorkflow` and `k8s` triggers against the Argo Server stand-in, which validates every body against
/// `WorkflowCreateRequest` / `WorkflowSubmitRequest` and the Workflow JSON schema.
@Suite(.serialized)
struct ArgoTriggerTests {
    static let inlineWorkflow = """
            - template:
                name: submit
                argoWorkflow:
                  operation: submit
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata:
                        generateName: hello-
                      spec:
                        entrypoint: main
                        arguments:
                          parameters:
                            - name: message
                              value: default
                        templates:
                          - name: main
                            container:
                              image: busybox
                  parameters:
                    - src:
                        dependencyName: dep
                        dataKey: message
                      dest: spec.arguments.parameters.0.value
        """

    /// Runs `body` with the stand-in and an executor pointed at it (see ``withStandIn(token:_:_:)``).
    func withArgo(
        token: String? = nil, clientToken: String? = nil, clock: ManualClock = ManualClock(),
        requestTimeout: Duration = .seconds(30), _ body: (TriggerExecutor, APIStandIn) async throws -> Void
    ) async throws {
        try await withStandIn(
            token: token,
            { base in
                TriggerConfiguration(
                    argo: .init(server: base, token: clientToken.map { .value($0) }), clock: clock, random: { 0.5 },
                    requestTimeout: requestTimeout)
            }, body)
    }

    @Test func sameEventTwiceCreatesOneWorkflow() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            let first = await executor.execute(trigger, sensor: sensor, events: event(id: "e-42"))
            let second = await executor.execute(trigger, sensor: sensor, events: event(id: "e-42"))
            guard case .succeeded(let detail) = first else { throw TestError("first: \(first)") }
            #expect(detail.hasPrefix("workflow argo/hello-"))
            guard case .alreadyDone = second else { throw TestError("second: \(second)") }
            let log = try await server.log()
            let creates = log.filter { $0.method == "POST" }
            #expect(creates.count == 2)
            #expect(log.filter { $0.method == "GET" }.count == 1, "409 is confirmed with one GET")
            let workflow = try #require(creates.first?.body?["workflow"])
            #expect(workflow["metadata"]?["generateName"] == nil)
            #expect(workflow["spec"]?["arguments"]?["parameters"]?.arrayValue?.first?["value"] == "hello")
            let labels = workflow["metadata"]?["labels"]
            #expect(labels?[FiringIdentity.eventIDLabel] == "e-42")
            #expect(labels?["events.argoproj.io/sensor"] == "orders")
            let third = await executor.execute(trigger, sensor: sensor, events: event(id: "e-43"))
            #expect(third.label == "succeeded")
        }
    }

    /// A redelivered firing (its replica died after the create) reads the workflow first: the server sees one create.
    @Test func repeatedFiringReadsBeforeItCreates() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            let first = await executor.execute(TriggerFiring(trigger, sensor: sensor, events: event(id: "e-7")))
            let repeated = await executor.execute(
                TriggerFiring(trigger, sensor: sensor, events: event(id: "e-7"), isRepeat: true))
            #expect(first.outcome.label == "succeeded")
            guard case .alreadyDone(let detail) = repeated.outcome else { throw TestError("\(repeated.outcome)") }
            #expect(detail.contains("exists"))
            let neverCreated = await executor.execute(
                TriggerFiring(trigger, sensor: sensor, events: event(id: "e-8"), isRepeat: true))
            #expect(neverCreated.outcome.label == "succeeded", "a repeat whose first attempt sent nothing creates it")
            let log = try await server.log()
            #expect(log.filter { $0.method == "POST" }.count == 2, "one create per firing: \(log.map(\.method))")
            #expect(log.filter { $0.method == "GET" }.count == 2, "each repeat read first")
        }
    }

    @Test func conflictWithAnotherFiringIsPermanent() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            let name = FiringIdentity(sensor: "orders", trigger: "submit", events: event(id: "e-1")).name(
                prefix: "hello-")
            let foreign = ArgoRequests.create(
                namespace: "argo",
                workflow: [
                    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                    "metadata": ["name": .string(name)], "spec": ["workflowTemplateRef": ["name": "my-wft"]],
                ])
            let identity = FiringIdentity(sensor: "other", trigger: "x", events: [:])
            #expect(await executor.send(foreign, workflowName: name, namespace: "argo", identity: identity).isSuccess)
            let outcome = await executor.execute(trigger, sensor: sensor, events: event(id: "e-1"))
            guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
            #expect(reason.contains("not created by this firing"))
        }
    }

    @Test(arguments: [
        ("WorkflowTemplate", "my-wft"), ("ClusterWorkflowTemplate", "cluster-wft"), ("CronWorkflow", "nightly"),
    ])
    func submitFromTemplates(kind: String, name: String) async throws {
        let sensor = try sensor(
            sensorYAML(
                """
                    - template:
                        name: from-template
                        argoWorkflow:
                          operation: submit-from
                          source:
                            resource:
                              apiVersion: argoproj.io/v1alpha1
                              kind: \(kind)
                              metadata:
                                name: \(name)
                              spec:
                                arguments:
                                  parameters:
                                    - name: message
                          parameters:
                            - src:
                                dependencyName: dep
                                dataKey: message
                              dest: spec.arguments.parameters.0.value
                """))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "succeeded")
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "already_done")
            let submit = try #require(try await server.log().first { $0.path.hasSuffix("/submit") })
            #expect(submit.body?["resourceKind"] == .string(kind))
            #expect(submit.body?["submitOptions"]?["parameters"] == ["message=hello"])
        }
    }

    @Test func missingTemplateIsPermanentAfterTheGrace() async throws {
        let sensor = try sensor(
            sensorYAML(
                """
                    - template:
                        name: missing
                        argoWorkflow:
                          operation: submit-from
                          source:
                            resource:
                              apiVersion: argoproj.io/v1alpha1
                              kind: WorkflowTemplate
                              metadata:
                                name: not-there
                """))
        let trigger = try #require(sensor.triggers.first)
        let clock = ManualClock()
        try await withArgo(clock: clock) { executor, server in
            let outcome = await executor.execute(trigger, sensor: sensor, events: event())
            guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
            #expect(reason.contains("answered 404"))
            #expect(try await server.log().count == 5, "retried every 500 ms within the 2 s grace")
            #expect(clock.sleeps == Array(repeating: .milliseconds(500), count: 4))
        }
    }

    @Test func unavailableBurstIsRetriedWithBackoff() async throws {
        let retried =
            Self.inlineWorkflow + """

                      retryStrategy:
                        steps: 4
                        duration: 1s
                        factor: 2
                        jitter: 0.5
                """
        let sensor = try sensor(sensorYAML(retried))
        let trigger = try #require(sensor.triggers.first)
        let clock = ManualClock()
        try await withArgo(clock: clock) { executor, server in
            try await server.fault("/api/v1/workflows", status: 503, count: 2)
            let outcome = await executor.execute(trigger, sensor: sensor, events: event())
            #expect(outcome.label == "succeeded", "\(outcome)")
            #expect(clock.sleeps == [.milliseconds(1250), .milliseconds(2500)])
        }
    }

    @Test func retryableWithoutStrategyGoesBackToTheDaemon() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            try await server.fault("/api/v1/workflows", status: 429)
            guard case .retryable(let reason, _) = await executor.execute(trigger, sensor: sensor, events: event())
            else { throw TestError("expected retryable") }
            #expect(reason.contains("429"))
            try await server.fault("/api/v1/workflows", status: 400, message: "bad spec")
            guard case .permanent(let bad) = await executor.execute(trigger, sensor: sensor, events: event()) else {
                throw TestError("expected permanent")
            }
            #expect(bad.contains("400") && bad.contains("bad spec"))
        }
    }

    @Test func internalErrorsAreRetriedAFewTimes() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            try await server.fault("/api/v1/workflows", status: 500, count: 2)
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "succeeded")
            try await server.fault("/api/v1/workflows", status: 500, count: 3)
            let outcome = await executor.execute(trigger, sensor: sensor, events: event(id: "e-2"))
            #expect(outcome.label == "permanent", "\(outcome)")
        }
    }

    @Test func wrongTokenIsPermanentAndNeverShown() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo(token: "right-token", clientToken: "wrong-token-s3cr3t") { executor, _ in
            let outcome = await executor.execute(trigger, sensor: sensor, events: event())
            guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
            #expect(reason.contains("401"))
            #expect(!reason.contains("s3cr3t") && !reason.contains("right-token"))
        }
        try await withArgo(token: "right-token", clientToken: "right-token") { executor, server in
            #expect(await executor.execute(trigger, sensor: sensor, events: event()).label == "succeeded")
            let log = try await server.log()
            #expect(log.allSatisfy { $0.authorized })
        }
    }

    @Test func tokenFileIsReadWhenItChanges() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenFile = directory + "/token"
        try "old-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let server = try APIStandIn(token: "new-token")
        let executor = try TriggerExecutor(
            configuration: .init(argo: .init(server: server.base, token: .file(tokenFile)), clock: ManualClock()))
        let before = await executor.execute(trigger, sensor: sensor, events: event())
        try "new-token-rotated".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try "new-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let after = await executor.execute(trigger, sensor: sensor, events: event())
        await executor.shutdown()
        await server.stop()
        #expect(before.label == "permanent")
        #expect(after.label == "succeeded", "\(after)")
    }

    @Test func hungServerHitsTheTimeout() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo(requestTimeout: .seconds(1)) { executor, server in
            try await server.delay("/api/v1/workflows", seconds: 30)
            guard case .retryable(let reason, _) = await executor.execute(trigger, sensor: sensor, events: event())
            else { throw TestError("expected retryable") }
            #expect(reason.hasPrefix("timeout"))
        }
    }

    @Test func slowAnswerWithinTheTimeoutSucceeds() async throws {
        let sensor = try sensor(sensorYAML(Self.inlineWorkflow))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo(requestTimeout: .seconds(20)) { executor, server in
            try await server.delay("/api/v1/workflows", seconds: 1)
            let outcome = await executor.execute(trigger, sensor: sensor, events: event())
            #expect(outcome.label == "succeeded", "\(outcome)")
        }
    }

    @Test func lifecycleOperationsNameTheWorkflow() async throws {
        let sensor = try sensor(
            sensorYAML(
                """
                    - template:
                        name: stop
                        argoWorkflow:
                          operation: stop
                          source:
                            resource:
                              apiVersion: argoproj.io/v1alpha1
                              kind: Workflow
                              metadata:
                                name: placeholder
                          parameters:
                            - src:
                                dependencyName: dep
                                dataKey: workflow
                              dest: metadata.name
                """))
        let trigger = try #require(sensor.triggers.first)
        try await withArgo { executor, server in
            let created = ArgoRequests.create(
                namespace: "argo",
                workflow: [
                    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": ["name": "running-1"],
                    "spec": ["workflowTemplateRef": ["name": "my-wft"]],
                ])
            let identity = FiringIdentity(sensor: "s", trigger: "t", events: [:])
            #expect(
                await executor.send(created, workflowName: "running-1", namespace: "argo", identity: identity).isSuccess
            )
            let outcome = await executor.execute(
                trigger, sensor: sensor, events: event(data: ["workflow": "running-1"]))
            #expect(outcome == .succeeded(detail: "workflow argo/running-1"))
            let put = try #require(try await server.log().last)
            #expect(put.method == "PUT" && put.path == "/api/v1/workflows/argo/running-1/stop")
            let missing = await executor.execute(trigger, sensor: sensor, events: event(data: ["workflow": "gone"]))
            #expect(missing.label == "permanent")
        }
    }

    @Test func argoWorkflowFromURLAndFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/workflow.yaml"
        try """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: from-file-
        spec:
          workflowTemplateRef:
            name: my-wft
        """.write(toFile: file, atomically: true, encoding: .utf8)
        try await withArgo { executor, server in
            func fetching(_ name: String, _ source: String) throws -> (Sensor, Trigger) {
                let sensor = try sensor(
                    sensorYAML(
                        """
                            - template:
                                name: \(name)
                                argoWorkflow:
                                  operation: submit
                                  source:
                        \(source)
                                  parameters:
                                    - src:
                                        dependencyName: dep
                                        dataKey: message
                                      dest: metadata.annotations.message
                        """))
                return (sensor, try #require(sensor.triggers.first))
            }
            let (urlSensor, urlTrigger) = try fetching(
                "from-url", "            url:\n              path: \(server.base)/resources/workflow.yaml")
            let (fileSensor, fileTrigger) = try fetching(
                "from-file", "            file:\n              path: \(file)")
            #expect(await executor.execute(urlTrigger, sensor: urlSensor, events: event()).label == "succeeded")
            #expect(await executor.execute(fileTrigger, sensor: fileSensor, events: event()).label == "succeeded")
            let names = try await server.log().filter { $0.method == "POST" }
                .compactMap { $0.body?["workflow"]?["metadata"]?["name"]?.stringValue }
            #expect(names.count == 2)
            #expect(names[0].hasPrefix("fetched-") && names[1].hasPrefix("from-file-"))
        }
    }

    /// `policy.k8s` on an argoWorkflow trigger reads the submitted workflow through Argo Server until it carries the
    /// labels: those it was created with are there at the first read.
    @Test func resourceLabelPolicyThroughArgoServer() async throws {
        let loaded = try sensor(
            sensorYAML(
                """
                    - template:
                        name: t
                        argoWorkflow:
                          source:
                            resource:
                              apiVersion: argoproj.io/v1alpha1
                              kind: Workflow
                              metadata: {generateName: hello-}
                              spec: {workflowTemplateRef: {name: hello}}
                      policy:
                        k8s: {labels: {events.argoproj.io/sensor: orders}, errorOnBackoffTimeout: true}
                """))
        let trigger = try #require(loaded.triggers.first)
        try await withArgo { executor, server in
            #expect(await executor.execute(trigger, sensor: loaded, events: event()).label == "succeeded")
            let methods = try await server.log().map(\.method)
            #expect(methods == ["POST", "GET"])
        }
    }
}
