import EventModel
import Foundation
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The example sensors of Argo Events (../shared/upstream/argo-events/sensors): every one loads without an error
/// (warnings allowed), and loads what it says.
struct UpstreamSensorTests {
    /// The 39 files are there: without them the tests below would have nothing to check.
    @Test func upstreamSensorsArePresent() {
        #expect(UpstreamSensors.files.count == 39, "expected 39 sensors in \(UpstreamSensors.directory)")
    }

    @Test(arguments: UpstreamSensors.files)
    func loadsWithoutError(file: String) {
        let catalog = SensorFiles.load(paths: [file])
        #expect(!catalog.sensors.isEmpty, "\(file) loaded nothing")
        #expect(catalog.isValid, "\(catalog.findings.map(\.description))")
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

    /// The sensors that write what has no effect (`atLeastOnce` or `policy` inside the template, where Argo Events
    /// ignores them; a retry-only argo flag on a submit) load with a located warning saying so.
    @Test(arguments: [
        ("trigger-with-atleast-once-semantics.yaml", "17:9", "spec.triggers[0].template.atLeastOnce is ignored"),
        ("trigger-with-policy.yaml", "24:9", "spec.triggers[0].template.policy is ignored"),
        (
            "special-workflow-trigger.yaml", "18:15",
            "ignored: spec.triggers[0].template.argoWorkflow.args[0] '--node-field-selector'"
        ),
    ])
    func ineffectiveFieldsWarn(file: String, location: String, message: String) {
        let path = UpstreamSensors.directory + "/" + file
        let catalog = SensorFiles.load(paths: [path])
        #expect(catalog.sensors.count == 1, "\(catalog.findings.map(\.description))")
        #expect(catalog.isValid, "\(catalog.findings.map(\.description))")
        #expect(
            catalog.findings.contains { $0.description.hasPrefix("\(path):\(location): warning: \(message)") },
            "\(catalog.findings.map(\.description))")
        #expect(catalog.sensors.first?.triggers.first?.atLeastOnce == false)
    }

    /// The sensors reading their resource from a ConfigMap, a git repository or S3 load (warnings allowed), with
    /// the source each trigger names.
    @Test(arguments: [
        ("trigger-source-configmap.yaml", ["configmap"]),
        ("trigger-source-git.yaml", ["git", "git", "git"]),
        ("complete-trigger-parameterization.yaml", ["s3"]),
        ("context-filter-webhook.yaml", ["s3"]),
        ("multi-trigger-sensor.yaml", ["s3", "resource"]),
    ])
    func triggerSourcesLoad(file: String, kinds: [String]) throws {
        let path = UpstreamSensors.directory + "/" + file
        let catalog = SensorFiles.load(paths: [path])
        #expect(catalog.isValid, "\(catalog.findings.map(\.description))")
        let triggers = try #require(catalog.sensors.first?.triggers)
        let sources = triggers.compactMap { trigger -> ArtifactLocation? in
            switch trigger.kind {
            case .argoWorkflow(let argo): argo.source
            case .k8s(let k8s): k8s.source
            default: nil
            }
        }
        #expect(sources.map(\.kind) == kinds)
        if case .git(let git) = sources.first {
            #expect(git.revision == .tag("v2.4.0") && git.credentials?.password.name == "github-secret")
        }
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
