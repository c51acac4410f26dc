import EventModel
import Foundation
import LoopbackTesting
import SensorTesting
import Testing

/// The `sensor-gateway` binary as a user runs it: exit codes and output lines.
@Suite(
    .requires(
        CommandLine.binaryExists, "sensor-gateway binary not built: expected \(CommandLine.binary); run swift build"))
struct CommandLineTests {
    @Test func validateExitCodes() throws {
        let valid = try CommandLine.run(["validate", Repository.root + "/config/sensors"])
        #expect(valid.status == 0)
        #expect(valid.output.hasSuffix("4 valid sensors in 4 files; 0 errors, 0 warnings\n"))

        let directory = try CommandLine.directory(
            "sensorkit-cli",
            files: [
                "bad.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: Sensor
                metadata: {name: bad}
                spec:
                  dependencies: [{name: a, eventSourceName: x, eventName: y}]
                  triggers: [{template: {name: t, conditions: "a && b", log: {}}}]
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml").path
        let invalid = try CommandLine.run(["validate", directory.path])
        #expect(invalid.status == 1)
        #expect(
            invalid.output.hasPrefix(
                "\(file):6:47: error: spec.triggers[0].template.conditions names 'b', which is not a dependency of this sensor\n"
            ))
    }

    /// `validate` checks a `GatewayConfiguration` document like a Sensor: located errors, a did-you-mean, exit 1.
    @Test func validateGatewayConfiguration() throws {
        let shipped = try CommandLine.run(["validate", Repository.root + "/config/gateway.yaml"])
        #expect(shipped.status == 0, "\(shipped.output)")

        let directory = try CommandLine.directory(
            "sensorkit-cli-gateway",
            files: [
                "gateway.yaml": """
                apiVersion: sensor-gateway/v1alpha1
                kind: GatewayConfiguration
                processing:
                  concurency: 8
                  drainTimeout: 1h30m
                """
            ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.yaml").path
        let invalid = try CommandLine.run(["validate", file])
        #expect(invalid.status == 1)
        #expect(
            invalid.output.hasPrefix(
                "\(file):4:3: error: unknown key processing.concurency (did you mean 'concurrency'?)\n"),
            "\(invalid.output)")
    }

    /// A trigger whose engine has no endpoint, with no outbox, is a located error: for `validate` when the gateway
    /// configuration is among its inputs (never for the sensor file alone), and for `run`, which refuses to start.
    /// `outbox:` or `run --dry-run` make it a valid laptop setup again.
    @Test func triggersWithoutEndpointAreConfigurationErrors() throws {
        let sensor = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: train}
            spec:
              dependencies: [{name: a, eventSourceName: x, eventName: y}]
              triggers:
                - template:
                    name: notify
                    http: {url: "http://127.0.0.1:9/hook"}
                - template:
                    name: submit
                    argoWorkflow:
                      source:
                        resource: {apiVersion: argoproj.io/v1alpha1, kind: Workflow, metadata: {generateName: t-}}
            """
        let directory = try CommandLine.directory("sensorkit-cli-endpoints", files: ["sensors.yaml": sensor])
        defer { try? FileManager.default.removeItem(at: directory) }
        let sensors = directory.appendingPathComponent("sensors.yaml").path
        let gateway = directory.appendingPathComponent("gateway.yaml").path
        let base =
            "kind: GatewayConfiguration\nnats: {urls: [nats://127.0.0.1:1]}\nsensors: \(sensors)\nrouting: \(directory.path)/none.yaml\n"
        try Data(base.utf8).write(to: URL(fileURLWithPath: gateway))
        let expected =
            "\(sensors):10:7: error: trigger 'submit' (argoWorkflow) needs argo.server in \(gateway), or an outbox; "
            + "neither is set"

        let alone = try CommandLine.run(["validate", sensors])
        #expect(alone.status == 0, "\(alone.output)")
        let withConfiguration = try CommandLine.run(["validate", gateway])
        #expect(withConfiguration.status == 1)
        #expect(withConfiguration.output.hasPrefix(expected + "\n"), "\(withConfiguration.output)")
        let run = try CommandLine.run(["run", "--config", gateway], standardError: true)
        #expect(run.status == 1)
        #expect(run.error.contains(expected), "\(run.error)")

        try Data((base + "outbox: \(directory.path)/outbox\n").utf8).write(to: URL(fileURLWithPath: gateway))
        let withOutbox = try CommandLine.run(["validate", gateway])
        #expect(withOutbox.status == 0, "\(withOutbox.output)")
    }

    @Test func explainJSON() throws {
        let result = try CommandLine.run([
            "explain", "--sensors", Repository.root + "/config/sensors", "--event",
            Repository.root + "/config/events/model-trained.json", "--format", "json",
        ])
        #expect(result.status == 0)
        let document = json(result.output)
        let triggers = document["sensors"]?.arrayValue?.flatMap { $0["triggers"]?.arrayValue ?? [] } ?? []
        #expect(triggers.filter { $0["fires"] == true }.map { $0["name"] } == ["evaluate-model"])
    }

    /// With `--format json`, standard output holds the JSON document alone: warnings about the sensors go to standard
    /// error.
    @Test func explainJSONKeepsWarningsOnStandardError() throws {
        let sensor = try String(
            contentsOfFile: Repository.root + "/config/sensors/model-promotion.yaml", encoding: .utf8)
        let directory = try CommandLine.directory(
            "sg-explain-warning",
            files: ["sensors.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n---\n" + sensor])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CommandLine.run(
            [
                "explain", "--sensors", directory.path, "--event",
                Repository.root + "/config/events/model-trained.json", "--format", "json",
            ],
            standardError: true)
        #expect(result.status == 0)
        #expect(result.error.contains("warning: skipped: kind 'ConfigMap', not a Sensor"), "\(result.error)")
        let document = try JSONCodec.decode(Array(result.output.utf8))
        #expect(document["sensors"]?.arrayValue?.isEmpty == false)
    }

    /// The `request` of the first trigger of the first sensor in `explain --format json` output.
    static func firstRequest(_ output: String) -> EventValue? {
        json(output)["sensors"]?.arrayValue?.first?["triggers"]?.arrayValue?.first?["request"]
    }

    /// A `kubeflowPipeline` trigger's request is the run the executor creates: the v2beta1 body, named after the
    /// firing, with placeholders for the ids the executor looks up and their names under `resolve`.
    @Test func explainKubeflowRequest() throws {
        let arguments = [
            "explain", "--sensors", Repository.root + "/config/sensors/retrain-pipeline.yaml",
            "--event", Repository.root + "/config/events/dataset-ready.json",
            "--event", Repository.root + "/config/events/code-pushed.json",
        ]
        let result = try CommandLine.run(arguments + ["--format", "json"])
        #expect(result.status == 0)
        let request = Self.firstRequest(result.output)
        #expect(request?["engine"] == "kubeflow")
        #expect(request?["method"] == "POST")
        #expect(request?["path"] == "/apis/v2beta1/runs")
        let body = request?["body"]
        let name = body?["display_name"]?.stringValue ?? ""
        #expect(name.hasPrefix("retrain-pipeline-start-kfp-run-") && name.count <= 63, "\(name)")
        #expect(body?["pipeline_version_reference"] == ["pipeline_id": "{pipelineName}"])
        #expect(body?["experiment_id"] == "{experimentName}")
        #expect(body?["runtime_config"]?["parameters"]?["rows"] == .int(1_250_000))
        #expect(body?["pipelineName"] == nil, "the trigger's section is not the request")
        #expect(request?["resolve"]?["pipelineName"] == "retrain")
        #expect(request?["resolve"]?["experimentName"] == "from-events")
        let text = try CommandLine.run(arguments).output
        #expect(text.contains("    request: Kubeflow Pipelines run POST {kubeflow.host}/apis/v2beta1/runs\n"))
        #expect(text.contains(#"      {"display_name":"\#(name)","#))
        #expect(
            text.contains("      ids looked up by name first: experimentName 'from-events', pipelineName 'retrain'\n"))
    }

    /// An `argoWorkflow` submit is sent named and labelled after the firing (generateName gives the prefix), the
    /// same name for the same event.
    @Test func explainArgoRequest() throws {
        let arguments = [
            "explain", "--sensors", Repository.root + "/config/sensors/model-promotion.yaml", "--event",
            Repository.root + "/config/events/model-trained.json", "--format", "json",
        ]
        let first = try CommandLine.run(arguments)
        #expect(first.status == 0)
        let request = Self.firstRequest(first.output)
        #expect(request?["engine"] == "argo")
        #expect(request?["path"] == "/api/v1/workflows/ml")
        let metadata = request?["body"]?["workflow"]?["metadata"]
        let name = metadata?["name"]?.stringValue ?? ""
        #expect(name.hasPrefix("evaluate-model-") && name.count <= 63, "\(name)")
        #expect(metadata?["generateName"] == nil)
        #expect(metadata?["labels"]?["events.argoproj.io/sensor"] == "model-promotion")
        #expect(metadata?["labels"]?["sensor-gateway.io/firing"] == .string(String(name.suffix(20))))
        let again = Self.firstRequest(try CommandLine.run(arguments).output)
        #expect(again?["body"]?["workflow"]?["metadata"]?["name"] == .string(name))
    }

    /// A sensor `router` with a `route` trigger on one dependency.
    static func routeSensor(dependency: String, source: String, event: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: router}
        spec:
          dependencies: [{name: \(dependency), eventSourceName: \(source), eventName: \(event)}]
          triggers: [{template: {name: to-the-matrix, route: {}}}]
        """
    }

    /// A `route` trigger shows its events' ids; with `--routing`, the route each event takes and its request,
    /// named after the sensor's firing rather than `route`'s.
    @Test func explainRouteTrigger() throws {
        let sensor = Self.routeSensor(dependency: "training", source: "ml-platform", event: "churn-xgb")
        let directory = try CommandLine.directory("sensorkit-route", files: ["router.yaml": sensor])
        defer { try? FileManager.default.removeItem(at: directory) }
        let sensorFile = directory.appendingPathComponent("router.yaml").path
        let event = Repository.root + "/specs/events/ml-training.json"
        let routing = Repository.root + "/config/routing.yaml"
        let explain = ["explain", "--sensors", sensorFile, "--event", event]

        let plain = try CommandLine.run(explain + ["--format", "json"])
        #expect(plain.status == 0)
        #expect(
            Self.firstRequest(plain.output) == ["engine": "route", "body": ["training": "9d1c6f0e-ml-training-0001"]])

        let routed = try CommandLine.run(explain + ["--routing", routing, "--format", "json"])
        #expect(routed.status == 0)
        let request = Self.firstRequest(routed.output)
        #expect(request?["engine"] == "route")
        let routes = request?["routes"]?.arrayValue ?? []
        #expect(routes.count == 1)
        let route = routes.first
        #expect(route?["dependency"] == "training")
        #expect(route?["route"] == "ml-training")
        #expect(route?["engine"] == "kubeflow")
        #expect(route?["request"]?["path"] == "/apis/v2beta1/runs")
        let name = route?["request"]?["body"]?["display_name"]?.stringValue ?? ""
        #expect(name.hasPrefix("train-with-cache-"), "\(name)")
        let direct = json(
            try CommandLine.run(["route", "--routing", routing, "--event", event, "--format", "json"]).output)
        #expect(direct["route"] == "ml-training")
        #expect(direct["request"]?["body"]?["display_name"] != .string(name), "named after the sensor's firing")

        let routedText = try CommandLine.run(explain + ["--routing", routing]).output
        #expect(routedText.contains("    request: each event through the routing matrix\n"))
        #expect(routedText.contains("        route ml-training: MATCHED (engine kubeflow)\n"))

        let missing = try CommandLine.run(explain + ["--routing", directory.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 1)
    }

    /// An event no route takes shows the routes' reasons and no request: the daemon would dead-letter it.
    @Test func explainUnroutedEvent() throws {
        let event =
            #"{"specversion":"1.0","id":"x1","source":"billing","subject":"paid","type":"com.acme.billing.paid","data":{}}"#
        let sensor = Self.routeSensor(dependency: "billing", source: "billing", event: "paid")
        let directory = try CommandLine.directory("sensorkit-dlq", files: ["router.yaml": sensor, "paid.json": event])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CommandLine.run([
            "explain", "--sensors", directory.appendingPathComponent("router.yaml").path, "--event",
            directory.appendingPathComponent("paid.json").path, "--routing",
            Repository.root + "/config/routing.yaml", "--format", "json",
        ])
        #expect(result.status == 0)
        let route = Self.firstRequest(result.output)?["routes"]?.arrayValue?.first
        #expect(route?["route"] == .null)
        #expect(route?["request"] == .null)
        #expect((route?["rejected"]?.arrayValue?.count ?? 0) > 0)
    }
}

enum CommandLine {
    /// The built executable: `$SENSOR_GATEWAY_BIN` (`make sanitize` points it at the sanitized build), else
    /// `.build/debug/sensor-gateway`.
    static let binary =
        ProcessInfo.processInfo.environment["SENSOR_GATEWAY_BIN"]
        ?? Repository.root + "/.build/debug/sensor-gateway"
    static let binaryExists = FileManager.default.isExecutableFile(atPath: binary)

    /// A fresh temporary directory named after `prefix` and this process, holding `files` (name → text); the caller
    /// removes it.
    static func directory(_ prefix: String, files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try run(arguments, standardError: false)
        return (result.status, result.output)
    }

    /// Runs the binary; returns its exit status, standard output and (when `standardError`) standard error.
    /// - Parameter input: written to its standard input, then closed; nil: no standard input.
    static func run(_ arguments: [String], standardError: Bool, input: String? = nil) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        let errorPipe = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = pipe
        process.standardError = standardError ? errorPipe : FileHandle.nullDevice
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorData = standardError ? errorPipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errorData, as: UTF8.self)
        )
    }
}
