import EventModel
import Foundation
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The example sensors of Argo Events (../shared/upstream/argo-events/sensors): each loads, or gets a precise
/// "not supported: FIELD" finding with its location; none crashes or loads wrongly.
@Suite(
    .enabled(
        if: UpstreamSensors.isAvailable,
        "../shared/upstream/argo-events/sensors is absent: upstream sensor tests skipped"))
struct UpstreamSensorTests {
    @Test(arguments: UpstreamSensors.files)
    func loadsOrIsPreciselyUnsupported(file: String) {
        let catalog = SensorFiles.load(paths: [file])
        let errors = catalog.findings.filter { $0.severity == .error }
        if catalog.sensors.isEmpty {
            #expect(!errors.isEmpty, "\(file) loaded nothing and reported nothing")
        }
        for error in errors {
            #expect(error.message.hasPrefix("not supported: "), "\(error)")
            #expect(error.location.file == file && error.location.line > 0 && error.location.column > 0, "\(error)")
        }
    }

    /// The exact findings for the sensors that use what sensor-gateway does not implement.
    @Test(arguments: [
        ("trigger-source-configmap.yaml", "18:13", "not supported: spec.triggers[0].template.k8s.source.configmap"),
        ("trigger-source-git.yaml", "29:13", "not supported: spec.triggers[0].template.k8s.source.git"),
        (
            "special-workflow-trigger.yaml", "18:15",
            "not supported: spec.triggers[0].template.argoWorkflow.args[0] '--node-field-selector'"
        ),
    ])
    func unsupportedFields(file: String, location: String, message: String) {
        let path = UpstreamSensors.directory + "/" + file
        let catalog = SensorFiles.load(paths: [path])
        #expect(
            catalog.findings.contains { $0.description.hasPrefix("\(path):\(location): error: \(message)") },
            "\(catalog.findings.map(\.description))")
    }

    /// The `k8s` examples load without an error: a Pod, and Workflows (one with `policy` inside the template, where
    /// Argo Events ignores it: a warning).
    @Test(arguments: [
        "trigger-standard-k8s-resource.yaml", "trigger-with-policy.yaml", "webhook.yaml", "nats.yaml",
    ])
    func k8sExamplesLoad(file: String) throws {
        let catalog = SensorFiles.load(paths: [UpstreamSensors.directory + "/" + file])
        #expect(catalog.isValid, "\(catalog.findings.map(\.description))")
        let trigger = try #require(catalog.sensors.first?.triggers.first)
        guard case .k8s(let k8s) = trigger.kind else {
            Issue.record("\(file): not a k8s trigger")
            return
        }
        #expect(k8s.operation == .create && k8s.patchStrategy == .merge && !k8s.liveObject)
        #expect(["Pod", "Workflow"].contains(k8s.resource["kind"]?.stringValue ?? ""))
    }

    /// The sensors that write `atLeastOnce` or `policy` inside the template, where Argo Events ignores them, load
    /// with a located warning saying so.
    @Test(arguments: [
        ("trigger-with-atleast-once-semantics.yaml", "17:9", "spec.triggers[0].template.atLeastOnce is ignored"),
        ("trigger-with-policy.yaml", "24:9", "spec.triggers[0].template.policy is ignored"),
    ])
    func misplacedTriggerFieldsWarn(file: String, location: String, message: String) {
        let path = UpstreamSensors.directory + "/" + file
        let catalog = SensorFiles.load(paths: [path])
        #expect(catalog.sensors.count == 1, "\(catalog.findings.map(\.description))")
        #expect(catalog.isValid, "\(catalog.findings.map(\.description))")
        #expect(
            catalog.findings.contains { $0.description.hasPrefix("\(path):\(location): warning: \(message)") },
            "\(catalog.findings.map(\.description))")
        #expect(catalog.sensors.first?.triggers.first?.atLeastOnce == false)
    }

    /// Loaded sensors carry what the YAML says.
    @Test func loadsContent() throws {
        let advanced = SensorFiles.load(paths: [UpstreamSensors.directory + "/filter-with-data-advanced.yaml"])
        let filters = try #require(advanced.sensors.first?.dependencies.first?.filters?.data)
        #expect(filters.map(\.type) == [.bool, .number, .string])
        #expect(filters.map(\.path.description) == ["a", "b.c", "b.d"])

        let conditions = SensorFiles.load(paths: [UpstreamSensors.directory + "/dependencies-conditions.yaml"])
        let triggers = try #require(conditions.sensors.first?.triggers)
        #expect(triggers.map(\.conditions.description) == ["test-dep", "test-dep-foo"])
        #expect(triggers[0].conditionsReset.map(\.expression) == ["59 23 * * *"])
        #expect(triggers[0].conditionsReset.first?.zone.identifier == "America/Los_Angeles")

        let http = SensorFiles.load(paths: [UpstreamSensors.directory + "/http-trigger.yaml"])
        guard case .http(let trigger)? = http.sensors.first?.triggers.first?.kind else {
            Issue.record("http-trigger.yaml did not load an http trigger: \(http.findings)")
            return
        }
        #expect(trigger.method == "POST")
        #expect(trigger.payload.map(\.destination) == ["bucket", "type"])
    }

    /// The Lua script filter and the jq and Lua transforms load, and run on the payloads their comments describe.
    @Test func scriptAndTransformExamples() throws {
        let script = SensorFiles.load(paths: [UpstreamSensors.directory + "/filter-script.yaml"])
        #expect(script.findings.isEmpty, "\(script.findings)")
        let filtered = try #require(script.sensors.first?.dependencies.first)
        let body = json(#"{"body": {"a": "b", "c": 10, "d": {"e": "z"}}}"#)
        #expect(filtered.screen(makeEvent(data: body)).verdict.passed)
        #expect(!filtered.screen(makeEvent(data: json(#"{"body": {"a": "x", "d": {"e": "z"}}}"#))).verdict.passed)

        let transform = SensorFiles.load(paths: [UpstreamSensors.directory + "/transform.yaml"])
        #expect(!transform.findings.contains { $0.severity == .error }, "\(transform.findings)")
        let dependencies = try #require(transform.sensors.first?.dependencies)
        let message = json(#"{"body": {"message": "hi"}}"#)
        #expect(
            dependencies[0].screen(makeEvent(data: message)).event.data == json(#"{"body": {"message": "updated"}}"#))
        #expect(dependencies[1].screen(makeEvent(data: message)).event.data == json(#"{"body": {"message": "hihi"}}"#))
    }

    /// All of them at once, through a directory.
    @Test func directory() {
        let catalog = SensorFiles.load(paths: [UpstreamSensors.directory])
        #expect(catalog.files.count == UpstreamSensors.files.count)
        #expect(catalog.sensors.count >= 20)
    }
}

enum UpstreamSensors {
    /// `<repo>/../shared/upstream/argo-events/sensors`, found from this file's path.
    static let directory: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/upstream/argo-events/sensors").path
    }()

    static let isAvailable: Bool = {
        let available = FileManager.default.fileExists(atPath: directory)
        if !available { print("NOTE: \(directory) is absent: the upstream sensor tests are skipped") }
        return available
    }()

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { directory + "/" + $0 }
    }()
}
