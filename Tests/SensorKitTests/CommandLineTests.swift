import EventModel
import Foundation
import Testing

/// The `sensor-gateway` binary as a user runs it: exit codes and output lines.
@Suite(.enabled(if: CommandLine.binaryExists, "sensor-gateway is not built (run swift build first)"))
struct CommandLineTests {
    @Test func validateExitCodes() throws {
        let valid = try CommandLine.run(["validate", ExplainTests.repository + "/config/sensors"])
        #expect(valid.status == 0)
        #expect(valid.output.hasSuffix("4 valid sensors in 4 files; 0 errors, 0 warnings\n"))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sensorkit-cli-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml").path
        let text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: bad}
            spec:
              dependencies: [{name: a, eventSourceName: x, eventName: y}]
              triggers: [{template: {name: t, conditions: "a && b", log: {}}}]
            """
        #expect(FileManager.default.createFile(atPath: file, contents: Data(text.utf8)))
        let invalid = try CommandLine.run(["validate", directory.path])
        #expect(invalid.status == 1)
        #expect(
            invalid.output.hasPrefix(
                "\(file):6:47: error: spec.triggers[0].template.conditions names 'b', which is not a dependency of this sensor\n"
            ))
    }

    @Test func explainJSON() throws {
        let result = try CommandLine.run([
            "explain", "--sensors", ExplainTests.repository + "/config/sensors", "--event",
            ExplainTests.repository + "/config/events/model-trained.json", "--format", "json",
        ])
        #expect(result.status == 0)
        let document = json(result.output)
        let triggers = document["sensors"]?.arrayValue?.flatMap { $0["triggers"]?.arrayValue ?? [] } ?? []
        #expect(triggers.filter { $0["fires"] == true }.map { $0["name"] } == ["evaluate-model"])
    }
}

enum CommandLine {
    static let binary = ExplainTests.repository + "/.build/debug/sensor-gateway"
    static let binaryExists = FileManager.default.isExecutableFile(atPath: binary)

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
