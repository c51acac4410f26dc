import EventModel
import Foundation
import LocalFiles
import LoopbackTesting
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// `sensor-gateway route` and `validate` on routing files, as a user runs them.
@Suite(
    .requires(
        CommandLine.binaryExists, "sensor-gateway binary not built: expected \(CommandLine.binary); run swift build"))
struct RouteCommandTests {
    static let repository = Repository.root

    /// The JSON `route` prints for each sample event: the route, the engine, the request, and the routes before it.
    @Test(arguments: ShippedRouting.table.map { ($0.useCase, $0.engine) })
    func routeJSON(useCase: String, engine: RoutingEngine) throws {
        let result = try CommandLine.run([
            "route", "--routing", Self.repository + "/config/routing.yaml", "--event",
            Self.repository + "/specs/events/\(useCase).json", "--format", "json",
        ])
        #expect(result.status == 0)
        let document = json(result.output)
        #expect(document["route"] == .string(useCase))
        #expect(document["engine"] == .string(engine.rawValue))
        #expect(document["request"]?["engine"] == .string(engine.rawValue))
        let rejected = document["rejected"]?.arrayValue ?? []
        #expect(rejected.allSatisfy { ($0["reasons"]?.arrayValue?.count ?? 0) > 0 })
        #expect(!rejected.contains { $0["route"] == .string(useCase) })
    }

    @Test func hybridRequestJSON() throws {
        let result = try CommandLine.run([
            "route", "--routing", Self.repository + "/config/routing.yaml", "--event",
            Self.repository + "/specs/events/hybrid-ml-training.json", "--format", "json",
        ])
        #expect(result.status == 0)
        let request = json(result.output)["request"]
        #expect(request?["method"] == "POST")
        #expect(request?["path"] == "/api/v1/workflows/ml/submit")
        #expect(request?["body"]?["resourceKind"] == "WorkflowTemplate")
        #expect(request?["body"]?["resourceName"] == "ml-hybrid")
        let parameters = request?["body"]?["submitOptions"]?["parameters"]?.arrayValue ?? []
        #expect(parameters.contains("event-id=4b7e2a90-hybrid-training-0001"))
        #expect(parameters.contains("kfp-pipeline=train-with-cache"))
        #expect(parameters.contains(#"kfp-parameters={"model_name":"fraud-gbm","epochs":30,"learning_rate":0.02}"#))
        let name = request?["body"]?["submitOptions"]?["name"]?.stringValue ?? ""
        #expect(name.hasPrefix("ml-hybrid-") && name.count <= 63)
        let run = request?["kubeflow"]?["body"]
        #expect(request?["kubeflow"]?["path"] == "/apis/v2beta1/runs")
        #expect(run?["pipeline_version_reference"]?["pipeline_id"] == "<pipeline train-with-cache>")
        #expect(run?["pipeline_version_reference"]?["pipeline_version_id"] == "<version v4 of train-with-cache>")
        #expect(run?["runtime_config"]?["parameters"]?["epochs"] == .int(30))
        #expect(run?["display_name"] == "4b7e2a90-hybrid-training-0001", "kfp-trigger names the run after the event")
    }

    /// The same event routed twice names the same workflow: a redelivery is found, not repeated.
    @Test func requestNamesAreDeterministic() throws {
        let arguments = [
            "route", "--routing", Self.repository + "/config/routing.yaml", "--event",
            Self.repository + "/specs/events/document-ingestion.json", "--format", "json",
        ]
        let first = json(try CommandLine.run(arguments).output)["request"]?["body"]?["submitOptions"]?["name"]
        let second = json(try CommandLine.run(arguments).output)["request"]?["body"]?["submitOptions"]?["name"]
        #expect(first != nil && first == second)
    }

    /// No match: `route` is null, every route says why, and the exit status is 2 (the daemon dead-letters it).
    @Test func unmatchedEvent() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("route-cli-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("unknown.json").path
        let text = #"{"specversion":"1.0","id":"x1","source":"billing","type":"com.acme.billing.paid","data":{}}"#
        #expect(FileManager.default.createFile(atPath: file, contents: Data(text.utf8)))
        let result = try CommandLine.run([
            "route", "--routing", Self.repository + "/config/routing.yaml", "--event", file, "--format", "json",
        ])
        #expect(result.status == 2)
        let document = json(result.output)
        #expect(document["route"] == .null)
        #expect(document["engine"] == .null)
        #expect(document["request"] == .null)
        #expect(document["rejected"]?.arrayValue?.count == 6)
        let text2 = try CommandLine.run([
            "route", "--routing", Self.repository + "/config/routing.yaml", "--event", file,
        ])
        #expect(text2.status == 2)
        #expect(text2.output.hasSuffix("no route matched: the event goes to the DLQ\n"))
        #expect(
            text2.output.contains(
                "  route ml-training: no match\n    type 'com.acme.billing.paid' does not match com.acme.ml.training.*\n"
            ))
    }

    @Test func routeText() throws {
        let result = try CommandLine.run([
            "route", "--routing", Self.repository + "/config/routing.yaml", "--event",
            Self.repository + "/specs/events/ml-training.json",
        ])
        #expect(result.status == 0)
        #expect(
            result.output.hasPrefix(
                """
                event 9d1c6f0e-ml-training-0001 (type com.acme.ml.training.requested, source ml-platform, subject churn-xgb)
                  route hybrid-ml-training: no match
                    data orchestration string = [^hybrid$]: error: path 'orchestration' does not exist
                  route ml-training: MATCHED (engine kubeflow)
                request: {"engine":"kubeflow","method":"POST","path":"/apis/v2beta1/runs","body":{"display_name":"train-with-cache-
                """))
    }

    /// `validate` checks routing files beside sensors, against the templates in deploy/argo.
    @Test func validateRoutingFiles() throws {
        let valid = try CommandLine.run(["validate", Self.repository + "/config"])
        #expect(valid.status == 0)
        #expect(valid.output == "4 valid sensors, 1 valid routing matrix in 6 files; 0 errors, 0 warnings\n")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("route-validate-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("routing.yaml").path
        let text = """
            apiVersion: sensor-gateway/v1alpha1
            kind: RoutingMatrix
            spec:
              routes:
                - name: everything
                  engine: argo
                  argo: {workflowTemplate: document-ingestion}
                - name: docs
                  match: {type: "com.acme.docs.*"}
                  engine: argo
                  argo: {workflowTemplate: doc-ingest}
            """
        #expect(FileManager.default.createFile(atPath: file, contents: Data(text.utf8)))
        let invalid = try CommandLine.run([
            "validate", "--argo-templates", Self.repository + "/deploy/argo", file,
        ])
        #expect(invalid.status == 1)
        #expect(
            invalid.output == """
                \(file):7:13: warning: route 'everything': WorkflowTemplate 'document-ingestion' needs parameter 'document-uri', which the route does not set
                \(file):8:7: error: route 'docs' is shadowed: route 'everything' before it (at 5:7) matches every event
                \(file):11:13: warning: route 'docs': unknown WorkflowTemplate 'doc-ingest' (not in \(Self.repository)/deploy/argo)
                0 valid sensors, 0 valid routing matrices in 1 file; 1 error, 2 warnings

                """)
    }
}
