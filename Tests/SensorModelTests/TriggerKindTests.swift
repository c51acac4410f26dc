import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The trigger features the Triggers module executes: `kubeflowPipeline`, `source.url`/`source.file`,
/// `secureHeaders`, `submit-from` a ClusterWorkflowTemplate.
struct TriggerKindTests {
    static func sensor(_ trigger: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata:
          name: s
        spec:
          dependencies:
            - name: dep
              eventSourceName: src
              eventName: ev
          triggers:
        \(trigger)
        """
    }

    @Test func kubeflowPipelineDecodesAndResolves() throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                """
                    - template:
                        name: train
                        kubeflowPipeline:
                          pipelineName: hello
                          experimentName: events
                          runtimeParameters: {epochs: 3, rate: 0.5, tag: x}
                          parameters:
                            - src: {dependencyName: dep, dataKey: n, useRawData: true}
                              dest: runtimeParameters.n
                """))
        let loaded = try #require(sensor, "\(findings)")
        guard case .kubeflowPipeline(let kfp) = loaded.triggers[0].kind else {
            Issue.record("expected kubeflowPipeline")
            return
        }
        #expect(kfp.pipelineName == "hello" && kfp.pipelineID == nil)
        #expect(kfp.runtimeParameters["epochs"] == .int(3))
        let action = try loaded.triggers[0].action(events: ["dep": makeEvent(data: json(#"{"n": 7}"#))], sensor: loaded)
        #expect(action.engine == .kubeflow)
        #expect(action.path == "/apis/v2beta1/runs")
        guard case .json(let body) = action.body else {
            Issue.record("expected a JSON body")
            return
        }
        #expect(body["runtimeParameters"]?["n"] == .int(7))
        #expect(body["pipelineName"] == "hello")
        #expect(body["parameters"] == nil, "the parameter definitions are not part of the request")
    }

    @Test(arguments: [
        ("kubeflowPipeline: {experimentName: x}", "needs pipelineId or pipelineName"),
        ("kubeflowPipeline: {pipelineId: a, pipelineName: b}", "sets both pipelineId and pipelineName"),
        ("kubeflowPipeline: {pipelineId: a, runtimeParameters: [1]}", "runtimeParameters must be a mapping"),
        (
            "kubeflowPipeline: {pipelineId: a, parameters: [{src: {dependencyName: dep, value: x}, dest: epochs}]}",
            "dest 'epochs' is not a kubeflowPipeline field"
        ),
    ])
    func kubeflowPipelineFindings(kind: String, message: String) {
        let (sensor, findings) = loadSensor(Self.sensor("    - template: {name: t, \(kind)}"))
        #expect(sensor == nil)
        #expect(findings.contains { $0.message.contains(message) }, "\(findings)")
    }

    /// `verifyCert` is Argo Events' field; `verifycert` (its url-sensor example) works there too, so both load.
    /// Without either, certificates are verified.
    @Test(arguments: [
        ("verifyCert: false", false), ("verifycert: false", false), ("verifyCert: true", true), ("", true),
    ])
    func urlSourceVerifyCert(field: String, verify: Bool) throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                "    - template: {name: t, k8s: {source: {url: {path: \"https://example.com/wf.yaml\", \(field)}}}}"))
        let loaded = try #require(sensor, "\(findings)")
        #expect(findings.isEmpty, "\(findings)")
        guard case .k8s(let trigger) = loaded.triggers[0].kind else {
            Issue.record("expected a k8s trigger")
            return
        }
        #expect(trigger.source == .url("https://example.com/wf.yaml", verifyCertificate: verify))
    }

    @Test func urlSourceWithBothSpellings() {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                "    - template: {name: t, k8s: {source: {url: {path: \"https://h/wf.yaml\", verifyCert: true, verifycert: false}}}}"
            ))
        #expect(sensor == nil)
        #expect(
            findings.map(\.description) == [
                "test.yaml:11:93: error: spec.triggers[0].template.k8s.source.url sets both verifyCert and verifycert (one field in Argo Events); set verifyCert"
            ])
    }

    @Test func urlAndFileSources() throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                """
                    - template:
                        name: from-url
                        k8s:
                          operation: create
                          source:
                            url: {path: "https://example.com/wf.yaml", verifycert: false}
                    - template:
                        name: from-file
                        argoWorkflow:
                          source:
                            file: {path: /etc/workflows/wf.yaml}
                """))
        let loaded = try #require(sensor, "\(findings)")
        guard case .k8s(let fromURL) = loaded.triggers[0].kind,
            case .argoWorkflow(let fromFile) = loaded.triggers[1].kind
        else {
            Issue.record("unexpected kinds")
            return
        }
        #expect(fromURL.source == .url("https://example.com/wf.yaml", verifyCertificate: false))
        #expect(fromFile.source == .file("/etc/workflows/wf.yaml"))
        let fetched: EventValue = ["apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": ["name": "w"]]
        let resolved = try loaded.triggers[1].resolvedWorkflow(events: [:], sensor: loaded, fetched: fetched)
        #expect(resolved?.resource["metadata"]?["labels"]?["events.argoproj.io/trigger"] == "from-file")
    }

    /// `argoWorkflow.args` set the fields of the submission the `argo submit` flags mean.
    @Test func argoArgumentsSetTheSubmission() throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                """
                    - template:
                        name: submit
                        argoWorkflow:
                          args: [--entrypoint, main, -p, msg=hi, --parameter=extra=1, --serviceaccount, robot,
                                 -l, "team=ml,tier=gold", --generate-name, run-, --name, named, --priority, "5"]
                          source:
                            resource:
                              apiVersion: argoproj.io/v1alpha1
                              kind: Workflow
                              metadata: {generateName: wf-}
                              spec:
                                entrypoint: other
                                arguments: {parameters: [{name: msg, value: old}]}
                """))
        let loaded = try #require(sensor, "\(findings)")
        let resource = try #require(try loaded.triggers[0].resolvedWorkflow(events: [:], sensor: loaded)?.resource)
        #expect(resource["spec"]?["entrypoint"] == "main")
        #expect(resource["spec"]?["serviceAccountName"] == "robot")
        #expect(resource["spec"]?["priority"] == .int(5))
        #expect(
            resource["spec"]?["arguments"]?["parameters"]
                == [["name": "msg", "value": "hi"], ["name": "extra", "value": "1"]])
        #expect(resource["metadata"]?["labels"]?["team"] == "ml")
        #expect(resource["metadata"]?["labels"]?["tier"] == "gold")
        #expect(resource["metadata"]?["generateName"] == "run-")
        #expect(resource["metadata"]?["name"] == "named")
    }

    /// An argument with no REST meaning, one the operation does not take, or one without a valid value is a located
    /// error naming it.
    @Test(arguments: [
        (
            "submit", "[--dry-run]",
            "15:18: error: not supported: spec.triggers[0].template.argoWorkflow.args[0] '--dry-run'"
        ),
        (
            "retry", "[-p, a=b]",
            "15:18: error: not supported: spec.triggers[0].template.argoWorkflow.args[0] '-p' with operation retry"
        ),
        (
            "submit", "[--priority, high]",
            "15:18: error: spec.triggers[0].template.argoWorkflow.args[0]: argo argument '--priority' value 'high' is not an integer"
        ),
        (
            "submit", "[-l, team]",
            "15:18: error: spec.triggers[0].template.argoWorkflow.args[0]: argo argument '-l' value 'team' is not key=value"
        ),
        (
            "submit", "[--entrypoint]",
            "15:18: error: spec.triggers[0].template.argoWorkflow.args[0]: argo argument '--entrypoint' needs a value"
        ),
    ])
    func argoArgumentErrors(operation: String, args: String, finding: String) {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                """
                    - template:
                        name: t
                        argoWorkflow:
                          operation: \(operation)
                          args: \(args)
                          source:
                            resource: {apiVersion: argoproj.io/v1alpha1, kind: Workflow, metadata: {name: w}}
                """))
        #expect(sensor == nil)
        #expect(findings.contains { $0.description.hasPrefix("test.yaml:" + finding) }, "\(findings)")
    }

    @Test func secureHeaders() throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                """
                    - template:
                        name: h
                        http:
                          url: http://x
                          secureHeaders:
                            - {name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}
                            - {name: B, valueFrom: {file: /run/b}}
                            - {name: C, valueFrom: {env: C_TOKEN}}
                """))
        let loaded = try #require(sensor, "\(findings)")
        guard case .http(let http) = loaded.triggers[0].kind else {
            Issue.record("expected http")
            return
        }
        #expect(
            http.secureHeaders == [
                SecureHeader(name: "A", source: .secretKey(name: "s", key: "k")),
                SecureHeader(name: "B", source: .file("/run/b")),
                SecureHeader(name: "C", source: .environment("C_TOKEN")),
            ])
        let (_, bad) = loadSensor(
            Self.sensor(
                "    - template: {name: h, http: {url: http://x, secureHeaders: [{name: A, valueFrom: {secretKeyRef: {name: ../x, key: k}}}]}}"
            ))
        #expect(bad.contains { $0.message.contains("must not contain '/'") }, "\(bad)")
    }

    @Test func submitFromClusterWorkflowTemplate() throws {
        let (sensor, findings) = loadSensor(
            Self.sensor(
                """
                    - template:
                        name: c
                        argoWorkflow:
                          operation: submit-from
                          source:
                            resource: {apiVersion: argoproj.io/v1alpha1, kind: ClusterWorkflowTemplate, metadata: {name: cwft}}
                """))
        #expect(sensor != nil, "\(findings)")
    }
}
