import EventModel
import Foundation
import LoopbackTesting
import SensorTesting
import Testing

/// `validate --format json`, standard input as `-`, and the did-you-mean of a misspelt key, as a user runs them.
@Suite(
    .requires(
        CommandLine.binaryExists, "sensor-gateway binary not built: expected \(CommandLine.binary); run swift build"))
struct ValidateCommandTests {
    /// A sensor with a misspelt dependency key and a misspelt trigger kind.
    static let misspelt = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: typo}
        spec:
          dependencies: [{name: a, eventSourceName: x, evntName: y}]
          triggers: [{template: {name: t, argoWorkflw: {operation: submit}}}]
        """

    @Test func misspeltKeysNameTheKeyMeant() throws {
        let result = try CommandLine.run(["validate", "-"], standardError: false, input: Self.misspelt)
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                "<stdin>:5:48: error: unknown key spec.dependencies[0].evntName (did you mean 'eventName'?)\n"),
            "\(result.output)")
        #expect(
            result.output.contains(
                "error: unknown key spec.triggers[0].template.argoWorkflw (did you mean 'argoWorkflow'?)\n"),
            "\(result.output)")
    }

    /// One document: per file, valid or its findings with file, line, column, field and message.
    @Test func jsonReportsEachFile() throws {
        let directory = try CommandLine.directory("sg-validate-json", files: ["typo.yaml": Self.misspelt])
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("typo.yaml").path
        let good = Repository.root + "/config/sensors/model-promotion.yaml"
        let result = try CommandLine.run(["validate", "--format", "json", good, bad])
        #expect(result.status == 1)
        let document = try JSONCodec.decode(Array(result.output.utf8))
        #expect(document["valid"] == false)
        #expect(document["sensors"] == 1)
        let files = document["files"]?.arrayValue ?? []
        #expect(files.map { $0["file"] } == [.string(good), .string(bad)])
        #expect(files.first?["valid"] == true)
        #expect(files.first?["findings"] == .array([]))
        #expect(files.last?["valid"] == false)
        let finding = files.last?["findings"]?.arrayValue?.first { $0["field"] == "spec.dependencies[0].evntName" }
        #expect(finding?["severity"] == "error")
        #expect(finding?["file"] == .string(bad))
        #expect(finding?["line"] == 5)
        #expect(finding?["column"] == 48)
        #expect(finding?["message"] == "unknown key spec.dependencies[0].evntName (did you mean 'eventName'?)")
        #expect(finding?.mapValue?.keys.sorted() == ["column", "field", "file", "line", "message", "severity"])
        #expect(document["errors"] == .int(Int64(files.last?["findings"]?.arrayValue?.count ?? -1)))

        let valid = try CommandLine.run(["validate", "--format", "json", good])
        #expect(valid.status == 0)
        #expect(try JSONCodec.decode(Array(valid.output.utf8))["valid"] == true)
    }

    /// `-` reads the document from standard input; its findings name it `<stdin>`.
    @Test func readsStandardInput() throws {
        let sensor = try String(
            contentsOfFile: Repository.root + "/config/sensors/model-promotion.yaml", encoding: .utf8)
        let valid = try CommandLine.run(["validate", "-"], standardError: false, input: sensor)
        #expect(valid.status == 0)
        #expect(valid.output == "1 valid sensor in 1 file; 0 errors, 0 warnings\n")

        let json = try CommandLine.run(["validate", "--format", "json", "-"], standardError: false, input: "kind: [")
        #expect(json.status == 1)
        let document = try JSONCodec.decode(Array(json.output.utf8))
        #expect(document["files"]?.arrayValue?.first?["file"] == "<stdin>")
        #expect(document["files"]?.arrayValue?.first?["findings"]?.arrayValue?.first?["line"] == 2)
    }
}
