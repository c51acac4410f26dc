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

/// `http`, `nats` and `log` triggers, the outbox, and the contract checks of the stand-in itself.
@Suite(.serialized)
struct OtherTriggerTests {
    static func httpTrigger(url: String, allow: String = "") -> String {
        """
            - template:
                name: notify
                http:
                  url: \(url)
                  method: PUT
                  headers:
                    X-Static: one
                  secureHeaders:
                    - name: X-Api-Key
                      valueFrom:
                        secretKeyRef:
                          name: api
                          key: key
                    - name: X-From-Env
                      valueFrom:
                        env: HOOK_TOKEN
                  payload:
                    - src:
                        dependencyName: dep
                        dataKey: message
                      dest: greeting.text
                    - src:
                        dependencyName: dep
                        dataKey: count
                        useRawData: true
                      dest: count
        \(allow)
        """
    }

    @Test func httpTriggerSendsPayloadAndSecureHeaders() async throws {
        let server = try APIStandIn()
        let secrets = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: secrets) }
        try FileManager.default.createDirectory(atPath: secrets + "/api", withIntermediateDirectories: true)
        try "k3y-value\n".write(toFile: secrets + "/api/key", atomically: true, encoding: .utf8)
        let executor = try TriggerExecutor(
            configuration: .init(
                secretsDirectory: secrets, environment: ["HOOK_TOKEN": "env-s3cret"], clock: ManualClock()))
        let allowed = try sensor(
            sensorYAML(
                Self.httpTrigger(
                    url: server.base + "/hook/201",
                    allow: """
                              policy:
                                status:
                                  allow: [200, 201]
                        """)))
        let refused = try sensor(
            sensorYAML(
                Self.httpTrigger(
                    url: server.base + "/hook/503",
                    allow: """
                              policy:
                                status:
                                  allow: [200]
                        """)))
        let anyStatus = try sensor(sensorYAML(Self.httpTrigger(url: server.base + "/hook/500")))
        let ok = await executor.execute(try #require(allowed.triggers.first), sensor: allowed, events: event())
        let unavailable = await executor.execute(try #require(refused.triggers.first), sensor: refused, events: event())
        let noPolicy = await executor.execute(
            try #require(anyStatus.triggers.first), sensor: anyStatus, events: event())
        let log = try await server.log()
        await executor.shutdown()
        await server.stop()
        #expect(ok.label == "succeeded", "\(ok)")
        guard case .retryable(let reason, _) = unavailable else { throw TestError("\(unavailable)") }
        #expect(reason.contains("503") && reason.contains("policy.status.allow"))
        #expect(noPolicy.label == "succeeded", "without a policy any status is a success, as in Argo Events")
        let request = try #require(log.first)
        #expect(request.method == "PUT")
        #expect(request.body == ["greeting": ["text": "hello"], "count": 3])
        #expect(request.headers["x-api-key"] == "k3y-value")
        #expect(request.headers["x-from-env"] == "env-s3cret")
        #expect(request.headers["x-static"] == "one")
        for outcome in [ok, unavailable, noPolicy] {
            #expect(!"\(outcome)".contains("k3y") && !"\(outcome)".contains("s3cret"))
        }
    }

    @Test func missingSecretIsPermanentAndNamesTheFile() async throws {
        let executor = try TriggerExecutor(
            configuration: .init(secretsDirectory: "/nonexistent", clock: ManualClock()))
        let loaded = try sensor(sensorYAML(Self.httpTrigger(url: "http://127.0.0.1:9/hook")))
        let outcome = await executor.execute(try #require(loaded.triggers.first), sensor: loaded, events: event())
        await executor.shutdown()
        guard case .permanent(let reason) = outcome else { throw TestError("\(outcome)") }
        #expect(reason.contains("/nonexistent/api/key"))
    }

    @Test func outboxRecordsRequestsOnceWithoutSecrets() async throws {
        let outbox = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: outbox) }
        let executor = try TriggerExecutor(
            configuration: .init(
                argo: .init(server: nil, token: .value("argo-s3cret")), outboxDirectory: outbox, clock: ManualClock()))
        let workflow = try sensor(sensorYAML(ArgoTriggerTests.inlineWorkflow))
        let run = try sensor(sensorYAML(KubeflowTriggerTests.trigger))
        let first = await executor.execute(try #require(workflow.triggers.first), sensor: workflow, events: event())
        let again = await executor.execute(try #require(workflow.triggers.first), sensor: workflow, events: event())
        let kfp = await executor.execute(try #require(run.triggers.first), sensor: run, events: event())
        await executor.shutdown()
        #expect(first.label == "succeeded")
        #expect(again.label == "already_done")
        #expect(kfp.label == "succeeded")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox).sorted()
        #expect(files.count == 2, "\(files)")
        let argoFile = try #require(files.first { $0.hasPrefix("argo-hello-") })
        let text = try String(contentsOfFile: outbox + "/" + argoFile, encoding: .utf8)
        #expect(!text.contains("s3cret") && !text.contains("Authorization"))
        let record = try JSONCodec.decode(Array(text.utf8))
        #expect(record["method"] == "POST")
        #expect(record["url"] == "{argo.server}/api/v1/workflows/argo")
        #expect(record["body"]?["workflow"]?["kind"] == "Workflow")
        #expect(record["events"] == ["dep": "evt-1"])
        let kfpFile = try #require(files.first { $0.hasPrefix("kubeflow-") })
        let kfpRecord = try JSONCodec.decode(
            Array(try String(contentsOfFile: outbox + "/" + kfpFile, encoding: .utf8).utf8))
        #expect(kfpRecord["resolve"]?["pipelineName"] == "hello")
        #expect(kfpRecord["body"]?["runtime_config"]?["parameters"]?["message"] == "hello")
    }

    /// What `explain` prints for a firing is what the executor sends: without servers, the outbox records the
    /// same method, path and body, and for a run the same names to look up.
    @Test func previewsAreTheRecordedRequests() async throws {
        let outbox = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: outbox) }
        let executor = try TriggerExecutor(configuration: .init(outboxDirectory: outbox, clock: ManualClock()))
        let workflow = try sensor(sensorYAML(ArgoTriggerTests.inlineWorkflow))
        let run = try sensor(sensorYAML(KubeflowTriggerTests.trigger))
        let workflowTrigger = try #require(workflow.triggers.first)
        let runTrigger = try #require(run.triggers.first)
        #expect(await executor.execute(workflowTrigger, sensor: workflow, events: event()).label == "succeeded")
        #expect(await executor.execute(runTrigger, sensor: run, events: event()).label == "succeeded")
        await executor.shutdown()
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox)
        func record(_ prefix: String) throws -> EventValue {
            let file = try #require(files.first { $0.hasPrefix(prefix) }, "\(files)")
            return try JSONCodec.decode(Array(try String(contentsOfFile: outbox + "/" + file, encoding: .utf8).utf8))
        }

        let submit = try #require(
            try TriggerExecutor.previewWorkflow(
                workflowTrigger, sensor: workflow, events: event(), defaultNamespace: "argo"))
        let argoRecord = try record("argo-")
        #expect(argoRecord["method"] == .string(submit.method))
        #expect(argoRecord["url"] == .string("{argo.server}" + submit.path))
        #expect(argoRecord["body"] == submit.body)
        #expect(submit.body?["workflow"]?["metadata"]?["generateName"] == nil)

        let preview = try TriggerExecutor.previewRun(runTrigger, sensor: run, events: event(), version: .v2beta1)
        let runRecord = try record("kubeflow-")
        #expect(runRecord["method"] == .string(preview.request.method))
        #expect(runRecord["url"] == .string("{kubeflow.host}" + preview.request.path))
        #expect(runRecord["body"] == preview.request.body)
        #expect(runRecord["resolve"] == .map(preview.resolve))
        #expect(
            preview.resolve == ["pipelineName": "hello", "pipelineVersionName": "v2", "experimentName": "from-events"])
    }

    /// The executor's refusals surface in the preview too; kinds whose request is not the executor's to build have
    /// no workflow preview.
    @Test func previewErrors() throws {
        let run = try sensor(
            sensorYAML(
                """
                    - template:
                        name: train
                        kubeflowPipeline:
                          pipelineName: hello
                          parameters:
                            - src: {dependencyName: dep, dataKey: count, useRawData: true}
                              dest: runtimeParameters
                """))
        #expect(throws: TriggerError.self) {
            try TriggerExecutor.previewRun(
                try #require(run.triggers.first), sensor: run, events: event(), version: .v2beta1)
        }
        #expect(
            try TriggerExecutor.previewWorkflow(
                try #require(run.triggers.first), sensor: run, events: event(), defaultNamespace: "argo") == nil)
    }

    @Test func natsTriggerPublishesThroughThePublisher() async throws {
        let publisher = RecordingPublisher()
        let outbox = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: outbox) }
        let trigger = """
                - template:
                    name: forward
                    nats:
                      url: nats://127.0.0.1:4222
                      subject: orders.forwarded
                      payload:
                        - src:
                            dependencyName: dep
                            dataKey: message
                          dest: text
            """
        let loaded = try sensor(sensorYAML(trigger))
        let withPublisher = try TriggerExecutor(configuration: .init(publisher: publisher, clock: ManualClock()))
        let published = await withPublisher.execute(
            try #require(loaded.triggers.first), sensor: loaded, events: event())
        await withPublisher.shutdown()
        let withoutPublisher = try TriggerExecutor(configuration: .init(outboxDirectory: outbox, clock: ManualClock()))
        let recorded = await withoutPublisher.execute(
            try #require(loaded.triggers.first), sensor: loaded, events: event())
        await withoutPublisher.shutdown()
        #expect(published.label == "succeeded")
        #expect(publisher.all.map(\.subject) == ["orders.forwarded"])
        #expect(publisher.all.first?.payload == #"{"text":"hello"}"#)
        // The message id is the firing's name: the same event again publishes with the same id.
        let again = try TriggerExecutor(configuration: .init(publisher: publisher, clock: ManualClock()))
        _ = await again.execute(try #require(loaded.triggers.first), sensor: loaded, events: event())
        await again.shutdown()
        #expect(publisher.all.count == 2)
        #expect(publisher.all.first?.messageID.hasPrefix("orders-forward-") == true)
        #expect(publisher.all.first?.messageID == publisher.all.last?.messageID)
        #expect(recorded.label == "succeeded")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox).count == 1)
    }

    @Test func logTriggerHonoursItsInterval() async throws {
        let lines = LogLines()
        let clock = ManualClock()
        let executor = try TriggerExecutor(configuration: .init(clock: clock, log: { lines.append($0) }))
        let loaded = try sensor(
            sensorYAML(
                "        - template:\n            name: audit\n            log:\n              intervalSeconds: 10\n"))
        let trigger = try #require(loaded.triggers.first)
        _ = await executor.execute(trigger, sensor: loaded, events: event(id: "a"))
        _ = await executor.execute(trigger, sensor: loaded, events: event(id: "b"))
        clock.advance(.seconds(11))
        _ = await executor.execute(trigger, sensor: loaded, events: event(id: "c"))
        await executor.shutdown()
        #expect(lines.all.count == 2)
        #expect(
            lines.all.first?.contains("event a") == true && lines.all.first?.contains(#""message":"hello""#) == true)
        #expect(lines.all.last?.contains("event c") == true)
    }

    @Test func rateLimitDelaysTriggersOnTheClock() async throws {
        let clock = ManualClock()
        let executor = try TriggerExecutor(configuration: .init(clock: clock, log: { _ in }))
        let loaded = try sensor(
            sensorYAML(
                "        - template:\n            name: audit\n            log: {}\n          rateLimit:\n            unit: Minute\n            requestsPerUnit: 2\n"
            ))
        let trigger = try #require(loaded.triggers.first)
        for id in ["a", "b", "c"] { _ = await executor.execute(trigger, sensor: loaded, events: event(id: id)) }
        await executor.shutdown()
        #expect(clock.sleeps == [.seconds(30), .seconds(30)])
    }

    /// The stand-in's validation is real: a Workflow that breaks the upstream schema is refused.
    @Test func standInRejectsAnInvalidWorkflow() async throws {
        let server = try APIStandIn()
        let executor = try TriggerExecutor(configuration: .init(argo: .init(server: server.base), clock: ManualClock()))
        let request = ArgoRequests.create(
            namespace: "argo",
            workflow: [
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": ["name": "x"],
                "spec": ["entrypoint": 5],
            ])
        let outcome = await executor.send(
            request, workflowName: "x", namespace: "argo",
            identity: FiringIdentity(sensor: "s", trigger: "t", events: [:]))
        let log = try await server.log()
        await executor.shutdown()
        await server.stop()
        #expect(outcome.label == "permanent")
        #expect(log.first?.invalid.isEmpty == false)
    }
}
