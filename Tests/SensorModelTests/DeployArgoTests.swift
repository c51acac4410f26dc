import EventModel
import Foundation
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The WorkflowTemplates in deploy/argo: valid against the upstream Argo JSON schema, and the kfp-trigger step's
/// script run against a fake Kubeflow Pipelines API.
@Suite(.timeLimit(.minutes(3)))
struct DeployArgoTests {
    static let repository = Repository.root
    static let upstream = repository + "/../shared/upstream"
    static let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python")
        .path

    /// The upstream file, or a failure that says where it was looked for.
    static func upstreamFile(_ relative: String) throws -> String {
        let path = upstream + "/" + relative
        try #require(
            FileManager.default.fileExists(atPath: path),
            "upstream spec missing: \(path) (the tests read ../shared/upstream next to the repository)")
        return path
    }

    /// The template files of deploy/argo (its kustomization.yaml, which lists them, is not one).
    static func deployFiles() throws -> [String] {
        let directory = repository + "/deploy/argo"
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }.sorted()
            .map { directory + "/" + $0 }
    }

    @Test func templatesMatchTheUpstreamSchema() throws {
        let schema = try Self.upstreamFile("argo-workflows/jsonschema-schema.json")
        let output = try PythonScript.run(Self.python + "/argo_schema_check.py", [schema] + Self.deployFiles())
        let reports = output.split(separator: "\n").map { json(String($0)) }
        #expect(
            reports.map { $0["name"]?.stringValue ?? "" }.sorted() == [
                "batch-inference", "document-ingestion", "etl-branching", "kfp-trigger", "ml-hybrid",
            ])
        for report in reports {
            #expect(report["kind"] == "WorkflowTemplate")
            #expect(report["errors"] == .array([]), "\(report["file"] ?? .null): \(report["errors"] ?? .null)")
        }
    }

    /// The checker is strict: a misspelt field is an error, not silently accepted.
    @Test func schemaCheckRejectsUnknownFields() throws {
        let schema = try Self.upstreamFile("argo-workflows/jsonschema-schema.json")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("argo-schema-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try String(
            contentsOfFile: Self.repository + "/deploy/argo/batch-inference.yaml", encoding: .utf8)
        let file = directory.appendingPathComponent("bad.yaml").path
        let broken = original.replacingOccurrences(of: "withParam:", with: "withParams:")
        #expect(FileManager.default.createFile(atPath: file, contents: Data(broken.utf8)))
        let report = json(try PythonScript.run(Self.python + "/argo_schema_check.py", [schema, file]))
        #expect(
            report["errors"]
                == ["spec/templates/0/steps/1/0: Additional properties are not allowed ('withParams' was unexpected)"])
    }

    /// Batch inference fans out with withParam and retries with backoff; the complex DAG branches with `when`.
    @Test func templatesUseTheFeaturesTheirRoutesAreFor() throws {
        let templates = Dictionary(
            uniqueKeysWithValues: try Self.deployFiles().map {
                (URL(fileURLWithPath: $0).lastPathComponent, try String(contentsOfFile: $0, encoding: .utf8))
            })
        let batch = templates["batch-inference.yaml"] ?? ""
        #expect(batch.contains("withParam: \"{{steps.plan.outputs.result}}\""))
        #expect(batch.contains("retryStrategy:") && batch.contains("backoff:"))
        #expect((templates["etl-branching.yaml"] ?? "").components(separatedBy: "when:").count == 4)
    }

    /// kfp-trigger: creates the run (display_name = event id) once, finds it on a retry, re-reads the rotating
    /// token, writes `run_id`, and fails the step when the run fails. Run bodies validate against `v2beta1Run`.
    @Test func kfpTriggerStepAgainstAFakeKFP() throws {
        let swagger = try Self.upstreamFile("kfp/v2beta1/run.swagger.json")
        let output = try PythonScript.run(
            Self.python + "/kfp_trigger_check.py", [Self.repository + "/deploy/argo/kfp-trigger.yaml", swagger])
        let report = json(output)
        #expect(report["run_body_errors"] == .array([]))

        let first = try #require(report["first"])
        #expect(first["exit"] == .int(0), "\(first["stderr"] ?? .null)")
        #expect(first["run_id"] == "r-1")
        #expect(first["state"] == "SUCCEEDED")
        let requests = first["requests"]?.arrayValue ?? []
        #expect(
            requests.map { "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" } == [
                "GET /apis/v2beta1/experiments", "POST /apis/v2beta1/experiments", "GET /apis/v2beta1/runs",
                "GET /apis/v2beta1/pipelines", "GET /apis/v2beta1/pipelines/p-1/versions", "POST /apis/v2beta1/runs",
                "GET /apis/v2beta1/runs/r-1", "GET /apis/v2beta1/runs/r-1",
            ])
        let created = requests.first { $0["method"] == "POST" && $0["path"] == "/apis/v2beta1/runs" }?["body"]
        #expect(
            created
                == [
                    "display_name": "4b7e2a90-hybrid-training-0001",
                    "pipeline_version_reference": ["pipeline_id": "p-1", "pipeline_version_id": "pv-4"],
                    "runtime_config": [
                        "parameters": [
                            "model_name": "fraud-gbm", "epochs": 30, "dataset_uri": "s3://datasets/fraud/prepared",
                        ]
                    ],
                    "experiment_id": "e-1",
                ])
        // The token file rotates while the step polls; the next request carries the new token.
        #expect(requests.first?["authorization"] == "Bearer token-1")
        #expect(requests.last?["authorization"] == "Bearer token-2")

        let second = try #require(report["second"])
        #expect(second["exit"] == .int(0))
        #expect(second["run_id"] == "r-1")
        #expect(!(second["requests"]?.arrayValue ?? []).contains { $0["method"] == "POST" })

        let failed = try #require(report["failed"])
        #expect(failed["exit"] == .int(1))
        #expect(failed["state"] == "FAILED")
        #expect(failed["stderr"]?.stringValue?.contains("run r-2 ended FAILED") == true)

        // Every variable the script reads is set by the template from an input.
        #expect(
            report["env"]
                == [
                    "EXPERIMENT", "EXTRA_PARAMETERS", "KFP_HOST", "KFP_NAMESPACE", "KFP_TOKEN_PATH", "OUTPUT_DIR",
                    "PIPELINE", "PIPELINE_VERSION", "RUN_DISPLAY_NAME", "RUN_PARAMETERS", "TIMEOUT_SECONDS", "WAIT",
                ])
    }
}

/// Runs a Python script of the tests and returns its standard output; kills it (SIGKILL) if it overruns.
enum PythonScript {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ script: String, _ arguments: [String], timeoutSeconds: Double = 120) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let pid = process.processIdentifier
        // SIGKILL: a child of the test process may inherit SIGTERM blocked.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "python3 \(script) exited with \(process.terminationStatus) (is jsonschema/PyYAML installed? make deps)"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}
