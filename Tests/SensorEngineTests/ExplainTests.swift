import EventModel
import Foundation
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// `explain` and the example sensors under config/sensors.
struct ExplainTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func exampleEvent(_ name: String) throws -> Event {
        try EventFile.load(path: repository + "/config/events/\(name).json")
    }

    @Test func exampleSensorsAreValid() {
        let catalog = SensorFiles.load(paths: [Self.repository + "/config/sensors"])
        #expect(catalog.isValid, "\(catalog.findings.map(\.description))")
        #expect(catalog.findings.isEmpty)
        #expect(
            catalog.sensors.map(\.name).sorted() == [
                "business-hours-log", "model-promotion", "platform-router", "retrain-pipeline",
            ])
    }

    /// One event cannot satisfy `a && b`; two in order can, and the request carries values from both (without a
    /// ``RequestPreviewing``: the `kubeflowPipeline` section as the engine resolves it).
    @Test func twoEventsSatisfyAnd() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/retrain-pipeline.yaml"]).sensors
        let dataset = try Self.exampleEvent("dataset-ready")
        let push = try Self.exampleEvent("code-pushed")
        let alone = Explainer.explain(sensors: sensors, events: [dataset], subject: nil, subjectPrefix: "events")
        #expect(alone.first?.triggers.first?.fires == false)
        let both = Explainer.explain(sensors: sensors, events: [dataset, push], subject: nil, subjectPrefix: "events")
        let trigger = try #require(both.first?.triggers.first)
        #expect(trigger.fires)
        #expect(trigger.firedWith == ["code-pushed", "dataset-ready"])
        let output = json(Explainer.json(both))
        let request = output["sensors"]?.arrayValue?.first?["triggers"]?.arrayValue?.first?["request"]
        #expect(request?["engine"] == "kubeflow")
        #expect(request?["path"] == "/apis/v2beta1/runs")
        #expect(request?["method"] == "POST")
        #expect(request?["body"]?["pipelineName"] == "retrain")
        #expect(request?["body"]?["runtimeParameters"]?["rows"] == .int(1_250_000))
        #expect(
            request?["body"]?["runtimeParameters"]?["code_revision"] == "9fceb02d0ae598e95dc970b74767f19372d61af8")
    }

    /// A request previewer stands in for the executor: whatever it builds is the request, in JSON and text.
    struct StubRequests: RequestPreviewing {
        var refuse = false

        func preview(_ trigger: Trigger, sensor: Sensor, events: [String: Event]) throws(RequestPreviewError)
            -> RequestPreview?
        {
            if refuse { throw RequestPreviewError(trigger: trigger.name, reason: "the executor refuses") }
            guard case .kubeflowPipeline = trigger.kind else { return nil }
            let ids = EventMap(events.mapValues { EventValue.string($0.id) })
            return RequestPreview(
                json: ["engine": "stub", "sensor": .string(sensor.name), "events": .map(ids)],
                lines: ["STUB /runs", "{}"])
        }
    }

    /// The previewer gets the sensor and the events the trigger fired with; its request is what `explain` prints.
    @Test func injectedRequests() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/retrain-pipeline.yaml"]).sensors
        let dataset = try Self.exampleEvent("dataset-ready")
        let push = try Self.exampleEvent("code-pushed")
        let result = Explainer.explain(
            sensors: sensors, events: [dataset, push], subject: nil, subjectPrefix: "events", requests: StubRequests())
        let output = json(Explainer.json(result))
        let request = output["sensors"]?.arrayValue?.first?["triggers"]?.arrayValue?.first?["request"]
        #expect(request?["engine"] == "stub")
        #expect(request?["sensor"] == "retrain-pipeline")
        #expect(request?["events"]?["dataset-ready"] == .string(dataset.id))
        #expect(request?["events"]?["code-pushed"] == .string(push.id))
        #expect(Explainer.text(result).contains("\n    request: STUB /runs\n      {}\n"))
        #expect(result.first?.triggers.first?.action?.engine == .kubeflow, "the engine's action is still recorded")
    }

    /// A previewer that has nothing to say about a kind leaves the engine's request.
    @Test func previewerFallsBackToTheAction() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/model-promotion.yaml"]).sensors
        let result = Explainer.explain(
            sensors: sensors, events: [try Self.exampleEvent("model-trained")], subject: nil, subjectPrefix: "events",
            requests: StubRequests())
        let trigger = try #require(result.first?.triggers.first)
        let action = try #require(trigger.action)
        #expect(trigger.request == RequestPreview(action))
        #expect(trigger.request?.json["engine"] == "argo")
    }

    /// When the executor would refuse the firing, the trigger still fires, has no request and says why.
    @Test func refusedRequest() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/model-promotion.yaml"]).sensors
        let result = Explainer.explain(
            sensors: sensors, events: [try Self.exampleEvent("model-trained")], subject: nil, subjectPrefix: "events",
            requests: StubRequests(refuse: true))
        let trigger = try #require(result.first?.triggers.first)
        #expect(trigger.fires)
        #expect(trigger.request == nil)
        #expect(trigger.error == "trigger evaluate-model: the executor refuses")
        let output = json(Explainer.json(result))
        let entry = output["sensors"]?.arrayValue?.first?["triggers"]?.arrayValue?.first
        #expect(entry?["request"] == .null)
        #expect(entry?["error"] == "trigger evaluate-model: the executor refuses")
        #expect(Explainer.text(result).contains("\n    error: trigger evaluate-model: the executor refuses\n"))
        #expect(!Explainer.text(result).contains("request:"))
    }

    /// The JSON shape scripts rely on: sensors, triggers, fires, dependencies, filters with dependency, filter,
    /// passed and observed, and request (null when the trigger does not fire).
    @Test func jsonShape() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/model-promotion.yaml"]).sensors
        var event = try Self.exampleEvent("model-trained")
        event.data = json(
            #"{"body":{"model_name":"m","model_uri":"u","framework":"pytorch","epochs":12,"stage":"dev","metrics":{"accuracy":0.5}}}"#
        )
        let output = json(
            Explainer.json(Explainer.explain(sensors: sensors, events: [event], subject: nil, subjectPrefix: "events")))
        let trigger = try #require(output["sensors"]?.arrayValue?.first?["triggers"]?.arrayValue?.first)
        #expect(output["sensors"]?.arrayValue?.first?["name"] == "model-promotion")
        #expect(trigger["name"] == "evaluate-model")
        #expect(trigger["fires"] == false)
        #expect(trigger["dependencies"] == ["model-trained"])
        #expect(trigger["request"] == .null)
        let filters = try #require(trigger["filters"]?.arrayValue)
        #expect(filters.count == 2)
        #expect(filters.map { $0["passed"] } == [true, false])
        #expect(filters[1]["dependency"] == "model-trained")
        #expect(filters[1]["filter"] == "body.metrics.accuracy number >= [0.9]")
        #expect(filters[1]["observed"] == 0.5)
    }

    /// With `--subject`, dependencies match by NATS subject (derived or the `subject:` extension).
    @Test func matchBySubject() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/model-promotion.yaml"]).sensors
        var event = try Self.exampleEvent("model-trained")
        event.source = "elsewhere"
        let bySubject = Explainer.explain(
            sensors: sensors, events: [event], subject: "events.training.model-trained", subjectPrefix: "events")
        #expect(bySubject.first?.triggers.first?.fires == true)
        let bySource = Explainer.explain(sensors: sensors, events: [event], subject: nil, subjectPrefix: "events")
        #expect(bySource.first?.triggers.first?.matches.isEmpty == true)
    }

    /// Text output names the verdicts and the request.
    @Test func text() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/model-promotion.yaml"]).sensors
        let text = Explainer.text(
            Explainer.explain(
                sensors: sensors, events: [try Self.exampleEvent("model-trained")], subject: nil,
                subjectPrefix: "events"))
        #expect(text.contains("trigger evaluate-model: FIRES (conditions: model-trained)"))
        #expect(text.contains("data body.metrics.accuracy number >= [0.9]: passed (saw 0.93)"))
        #expect(text.contains("request: POST {argo.server}/api/v1/workflows/ml"))
        #expect(text.contains(#"{"name":"model-name","value":"churn-xgb"}"#))
    }

    /// Submitted Workflows carry the sensor and trigger labels Argo Events adds.
    @Test func workflowLabels() throws {
        let sensors = SensorFiles.load(paths: [Self.repository + "/config/sensors/model-promotion.yaml"]).sensors
        let result = Explainer.explain(
            sensors: sensors, events: [try Self.exampleEvent("model-trained")], subject: nil, subjectPrefix: "events")
        let action = try #require(result.first?.triggers.first?.action)
        guard case .json(let body)? = action.body else {
            Issue.record("expected a JSON body")
            return
        }
        #expect(
            body["workflow"]?["metadata"]?["labels"] == [
                "events.argoproj.io/sensor": "model-promotion", "events.argoproj.io/trigger": "evaluate-model",
            ])
    }

    /// Template-level parameters edit the template (`http.url`), the kind's own parameters edit the kind, and
    /// dynamic headers come from events.
    @Test func httpParameters() throws {
        let text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: hooks}
            spec:
              dependencies: [{name: dep, eventSourceName: webhook-gateway, eventName: example-1}]
              triggers:
                - template:
                    name: forward
                    http:
                      url: http://hooks.example/base
                      method: put
                      headers: {X-Static: "1"}
                      parameters:
                        - src: {dependencyName: dep, dataKey: path}
                          dest: url
                          operation: append
                      dynamicHeaders:
                        - src: {dependencyName: dep, dataKey: token}
                          dest: X-Token
                      payload:
                        - src: {dependencyName: dep, dataKey: n, useRawData: true}
                          dest: count
                  parameters:
                    - src: {dependencyName: dep, value: http://other.example}
                      dest: http.url
            """
        let (sensor, findings) = loadSensor(text)
        let loaded = try #require(sensor, "\(findings)")
        let event = makeEvent(data: json(#"{"path":"/items","token":"t0k","n":3}"#))
        let action = try loaded.triggers[0].action(events: ["dep": event], sensor: loaded)
        #expect(action.url == "http://other.example/items")
        #expect(action.method == "PUT")
        #expect(action.headers == ["X-Static": "1", "X-Token": "t0k"])
        #expect(action.body == .json(["count": 3]))
    }

    /// Event files may be MessagePack as well as JSON.
    @Test func messagePackEventFile() throws {
        let event = try Self.exampleEvent("model-trained")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sensorkit-\(event.id).msgpack").path
        let bytes = CloudEventCodec.encodeStructured(event, format: .messagePack)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try EventFile.load(path: path)
        #expect(loaded.id == event.id)
        #expect(loaded.data == event.data)
        #expect(throws: EventFile.LoadError.self) { try EventFile.load(path: path + ".missing") }
    }

    /// Argo Workflows operations other than submit map onto their REST calls.
    @Test(arguments: [
        (ArgoWorkflowTrigger.Operation.submitFrom, "POST", "/api/v1/workflows/argo/submit"),
        (.resume, "PUT", "/api/v1/workflows/argo/nightly/resume"),
        (.terminate, "PUT", "/api/v1/workflows/argo/nightly/terminate"),
    ])
    func argoOperations(operation: ArgoWorkflowTrigger.Operation, method: String, path: String) {
        let resource = json(
            #"{"apiVersion":"argoproj.io/v1alpha1","kind":"WorkflowTemplate","metadata":{"name":"nightly"}}"#)
        let action = Trigger.argoAction(operation: operation, resource: resource, defaultNamespace: "argo")
        #expect(action.method == method)
        #expect(action.path == path)
        if operation == .submitFrom {
            #expect(
                action.body
                    == .json(
                        json(
                            #"{"namespace":"argo","resourceKind":"WorkflowTemplate","resourceName":"nightly","submitOptions":{}}"#
                        )))
        }
    }
}
